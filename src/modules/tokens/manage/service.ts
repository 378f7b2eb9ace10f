import { endLinkSessionsOf } from '../../../db/dashboard-sessions.js';
import type { PrismaClient } from '../../../db/handles.js';
import { createToken, markTokenRevoked, selectTeamToken, selectTeamTokens, selectTokenExpiry, selectUserNames, type TeamTokenRow } from '../../../db/tokens.js';
import { notifyTokenRevoked } from '../../../db/token-revocations.js';
import { notFound, unprocessable } from '../../../lib/errors.js';
import { ALL_SCOPES, type Scope } from '../../../lib/auth/scopes.js';

// Team token management, shared by the JSON API (/api/tokens) and the dashboard's tokens page, and
// revocation (also the operator CLI's). The feature has no store of its own: api_tokens, teams and
// users are src/db/tokens.ts's, below the modules, because the auth plugin verifies tokens with it.
// Revoking ends the owner's login-link sessions through src/db/dashboard-sessions.ts, the store of
// dashboard_sessions, below the modules too (the dashboard imports this service, so this module
// imports nothing of the dashboard's).

export type TokenState = 'active' | 'expired' | 'revoked';

export interface TeamToken extends TeamTokenRow {
  state: TokenState;
}

/** Whoever manages tokens: a team member holding `team:admin` (through an API token or a dashboard session). */
export interface TokenManager {
  teamId: string;
  userId: string;
  scopes: ReadonlySet<string>;
  /** The API token the manager acts through (an API token, or the one a dashboard session signed in with). */
  tokenId: string | null;
}

/** The longest lifetime a token made through the API or the dashboard may have (the dashboard form's maximum). */
export const MAX_TOKEN_LIFETIME_DAYS = 3650;
const DAY_MS = 86_400_000;

export interface NewToken {
  name: string;
  expiresAt?: Date | null;
  scopes?: readonly Scope[];
}

function tokenState(token: Pick<TeamTokenRow, 'expiresAt' | 'revokedAt'>, now = new Date()): TokenState {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt <= now) return 'expired';
  return 'active';
}

export async function listTeamTokens(prisma: PrismaClient, teamId: string, now = new Date()): Promise<TeamToken[]> {
  return (await selectTeamTokens(prisma, teamId)).map((row) => ({ ...row, state: tokenState(row, now) }));
}

/**
 * The default scopes of a new token: the manager's own, except `team:admin` (a token that
 * manages tokens is made deliberately, by asking for it). Asking for a scope the manager
 * does not hold is refused: nobody hands out more than they have.
 */
function grantedScopes(manager: TokenManager, requested: readonly Scope[] | undefined): Scope[] {
  const held = ALL_SCOPES.filter((scope) => manager.scopes.has(scope));
  if (requested === undefined) return held.filter((scope) => scope !== 'team:admin');
  const missing = requested.filter((scope) => !manager.scopes.has(scope));
  if (missing.length > 0) throw unprocessable(`You cannot grant scope(s) you do not hold: ${missing.join(', ')}`);
  return [...new Set(requested)];
}

const expiryIssue = (issue: string) => unprocessable('expires_at is not allowed', [{ field: 'expires_at', issue }]);

/**
 * A new token cannot outlive the token it is made with: otherwise a short-lived admin token could
 * mint a never-expiring one. Without such a token (a session from a login link) the lifetime is capped.
 */
async function assertLifetime(prisma: PrismaClient, manager: TokenManager, expiresAt: Date | null, now: Date): Promise<void> {
  if (expiresAt && expiresAt <= now) throw expiryIssue('must be in the future');
  if (expiresAt && expiresAt.getTime() > now.getTime() + MAX_TOKEN_LIFETIME_DAYS * DAY_MS) {
    throw expiryIssue(`must be at most ${MAX_TOKEN_LIFETIME_DAYS} days from now`);
  }
  const ceiling = manager.tokenId ? await selectTokenExpiry(prisma, manager.teamId, manager.tokenId) : null;
  if (!ceiling) return;
  if (!expiresAt || expiresAt > ceiling) {
    throw expiryIssue(`must be set, and no later than ${ceiling.toISOString()}, when the token you act with expires`);
  }
}

/** Creates a token owned by the manager; the raw token is in the result and nowhere else. */
export async function createTeamToken(prisma: PrismaClient, manager: TokenManager, input: NewToken, now = new Date()) {
  await assertLifetime(prisma, manager, input.expiresAt ?? null, now);
  const scopes = grantedScopes(manager, input.scopes);
  const names = await selectUserNames(prisma, manager.teamId, manager.userId);
  if (!names) throw notFound('Your user no longer exists in this team');
  const created = await createToken(prisma, { team: names.team, user: names.user, name: input.name, scopes, expiresAt: input.expiresAt ?? null });
  const token = await selectTeamToken(prisma, manager.teamId, created.id);
  return { token: created.token, summary: { ...token!, state: tokenState(token!, now) } };
}

const tokenNotFound = () => notFound('Token not found');

/**
 * Revokes token `id` (of team `teamId` when given) and, in the same transaction, ends its owner's
 * dashboard sessions that came from a login link: revoking a user's tokens must sign them out
 * everywhere (sessions signed in with a token end with that token: their rows reference it). The
 * dashboard session doing the revoking (`keepSession`, an id hash) is spared: its user is present.
 * Revoking twice keeps the first time and ends no session started since. Then every server's token
 * cache is told to drop it (after the commit). False when no such token.
 */
export async function revokeToken(prisma: PrismaClient, id: string, scope: { teamId?: string; keepSession?: string } = {}, now = new Date()): Promise<boolean> {
  const found = await prisma.$transaction(async (tx) => {
    const revoked = await markTokenRevoked(tx, id, now, scope.teamId);
    if (revoked.revokedUserId !== null) await endLinkSessionsOf(tx, revoked.revokedUserId, now, scope.keepSession);
    return revoked.found;
  });
  if (found) await notifyTokenRevoked(prisma, id);
  return found;
}

/** Revokes a token of the team (see revokeToken); `actingSession` is the id hash of the dashboard session revoking it. */
export async function revokeTeamToken(prisma: PrismaClient, teamId: string, id: string, actingSession?: string, now = new Date()): Promise<TeamToken> {
  if (!(await revokeToken(prisma, id, { teamId, keepSession: actingSession }, now))) throw tokenNotFound();
  const token = (await selectTeamToken(prisma, teamId, id))!;
  return { ...token, state: tokenState(token, now) };
}

export async function getTeamToken(prisma: PrismaClient, teamId: string, id: string, now = new Date()): Promise<TeamToken> {
  const token = await selectTeamToken(prisma, teamId, id);
  if (!token) throw tokenNotFound();
  return { ...token, state: tokenState(token, now) };
}
