import type { AcaiSeed } from './fixtures.js';

// One team's acai data shared by the read and state tests:
//
//   product api:  prod (api@main, web@release) <- dev (api@dev) <- feat (api@feat-x);  lonely (no branches)
//   product web:  prod (api@main)  -- the same branch as api/prod, a different product
//
// auth:    specs on api@main (older) and web@release (newer: canonical for prod), on api@dev (dev's own),
//          and a different `auth` of product web on api@main.
// billing: specs on api@main and web@release with the same updated_at (api@main wins: "main" < "release").
// search:  spec only on api@dev; refs only on api@feat-x.
// states:  prod/auth (one dangling), prod/billing, and an EMPTY dev/auth row that stops inheritance.

export const API = 'github.com/acme/api';
export const WEB = 'github.com/acme/web';
const OLDER = new Date('2026-01-01T00:00:00Z');
const NEWER = new Date('2026-02-01T00:00:00Z');

const AUTH = {
  'auth.LOGIN.1': { requirement: 'Users log in with email and password', note: 'Email is case-insensitive' },
  'auth.LOGIN.2': { requirement: 'Users can log out' },
  'auth.LOGIN.3': { requirement: 'Users log in with a magic link', deprecated: true, replaced_by: ['auth.LOGIN.2'] },
};

export function scenario(team: string): AcaiSeed {
  return {
    team,
    products: {
      api: [
        { name: 'prod', branches: [`${API}@main`, `${WEB}@release`] },
        { name: 'dev', parent: 'prod', branches: [`${API}@dev`] },
        { name: 'feat', parent: 'dev', branches: [`${API}@feat-x`] },
        { name: 'lonely' },
      ],
      web: [{ name: 'prod', branches: [`${API}@main`] }],
    },
    specs: [
      {
        product: 'api',
        branch: `${API}@main`,
        feature: 'auth',
        updatedAt: OLDER,
        lastSeenCommit: 'a1',
        description: 'Old authentication',
        requirements: { 'auth.LOGIN.1': { requirement: 'OLD login text' } },
      },
      { product: 'api', branch: `${WEB}@release`, feature: 'auth', updatedAt: NEWER, lastSeenCommit: 'a2', description: 'Authentication', requirements: AUTH },
      { product: 'api', branch: `${API}@main`, feature: 'billing', updatedAt: OLDER, lastSeenCommit: 'b1', requirements: { 'billing.PAY.1': { requirement: 'Pay by card' } } },
      { product: 'api', branch: `${WEB}@release`, feature: 'billing', updatedAt: OLDER, lastSeenCommit: 'b2', requirements: { 'billing.PAY.1': { requirement: 'Pay by cheque' } } },
      {
        product: 'api',
        branch: `${API}@dev`,
        feature: 'auth',
        updatedAt: OLDER,
        lastSeenCommit: 'a3',
        description: 'Dev authentication',
        requirements: { 'auth.LOGIN.1': { requirement: 'DEV login text' }, 'auth.LOGIN.2': { requirement: 'Users can log out' } },
      },
      { product: 'api', branch: `${API}@dev`, feature: 'search', lastSeenCommit: 's1', requirements: { 'search.QUERY.1': { requirement: 'Search by title' } } },
      { product: 'web', branch: `${API}@main`, feature: 'auth', lastSeenCommit: 'w1', requirements: { 'auth.WEB.1': { requirement: 'Web login form' } } },
    ],
    refs: [
      {
        branch: `${API}@main`,
        feature: 'auth',
        refs: {
          'auth.LOGIN.1': [{ path: 'src/login.ts:10' }, { path: 'test/login.test.ts:5', is_test: true }],
          'auth.LOGIN.2': [{ path: 'src/login.ts:20', is_test: false }],
        },
      },
      { branch: `${WEB}@release`, feature: 'auth', refs: { 'auth.LOGIN.1': [{ path: 'web/login.ts:3' }] } },
      { branch: `${API}@feat-x`, feature: 'search', refs: { 'search.QUERY.1': [{ path: 'src/search.ts:1' }] } },
    ],
    states: [
      {
        product: 'api',
        implementation: 'prod',
        feature: 'auth',
        states: {
          'auth.LOGIN.1': { status: 'completed', comment: 'shipped', updated_at: '2026-01-05T00:00:00.000Z' },
          'auth.OLD.9': { status: 'blocked' },
        },
      },
      { product: 'api', implementation: 'prod', feature: 'billing', states: { 'billing.PAY.1': { status: 'accepted' } } },
      { product: 'api', implementation: 'dev', feature: 'auth', states: {} },
    ],
  };
}
