import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app.js';
import type { Scope } from '../../../src/lib/auth/scopes.js';

export const READ_WRITE: Scope[] = ['workspace:read', 'workspace:write'];
export const bearer = (token: string) => `Bearer ${token}`;

/** A team with a read/write token, a read-only one and one without workspace scopes. */
export async function teamTokens(t: TestApp, team: string) {
  return {
    rw: bearer(await t.token({ team, user: `${team}-dev`, scopes: READ_WRITE })),
    readOnly: bearer(await t.token({ team, user: `${team}-viewer`, scopes: ['workspace:read'] })),
    none: bearer(await t.token({ team, user: `${team}-other`, scopes: ['pipelines:read'] })),
  };
}

export async function newDevice(t: TestApp, auth: string, body: Record<string, unknown> = {}) {
  const res = await t.http().post('/v1/devices').set('authorization', auth).send({ name: 'Laptop', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.device as { id: string; [key: string]: unknown };
}

export async function newBinding(t: TestApp, auth: string, body: Record<string, unknown> = {}) {
  const deviceId = (body.deviceId as string | undefined) ?? (await newDevice(t, auth)).id;
  const res = await t
    .http()
    .post('/v1/workspace-bindings')
    .set('authorization', auth)
    .send({ environmentId: 'env_1', localPath: '/home/dev/project', ...body, deviceId });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.binding as { id: string; deviceId: string; [key: string]: unknown };
}

/** The error dialect of the `/v1` surface. */
export function expectError(res: { status: number; body: unknown }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ error: expect.any(String), code });
}

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
