import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../../../db/handles.js';
import { selectUserId, upsertTeamUser, verifyToken } from '../../../db/tokens.js';
import { hasTokenShape } from '../../../lib/auth/tokens.js';
import { ALL_SCOPES, type Scope } from '../../../lib/auth/scopes.js';
import { consumeLoginLink, insertLoginLink, insertSession, markSessionRevoked, markUserSessionsRevoked, selectLiveSession } from '../../../db/dashboard-sessions.js';

// Dashboard sign-in: a one-time link from the operator CLI, or an API token pasted once. The
// browser keeps a random session id in a signed cookie; the database keeps its SHA-256.

const LOGIN_LINK_TTL_MS = 15 * 60_000;
/** What a session needs to see any page. */
export const READ_SCOPE: Scope = 'team:read';

export interface DashboardSession {
  idHash: string;
  teamId: string;
  teamName: string;
  userId: string;
  userName: string;
  tokenId: string | null;
  scopes: ReadonlySet<string>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const randomSecret = () => randomBytes(32).toString('base64url');
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export type SignInFailure = 'invalid_link' | 'invalid_token' | 'missing_scope';

export class SignInError extends Error {
  constructor(readonly reason: SignInFailure) {
    super(reason);
  }
}

/** For the operator CLI: creates team and user when missing; returns the link's secret, shown once. */
export async function createLoginLink(
  prisma: PrismaClient,
  input: { team: string; user: string; scopes?: readonly Scope[] },
  now = new Date(),
): Promise<{ code: string; expiresAt: Date }> {
  const { team, user } = await prisma.$transaction((tx) => upsertTeamUser(tx, input.team, input.user));
  const code = randomSecret();
  const expiresAt = new Date(now.getTime() + LOGIN_LINK_TTL_MS);
  await insertLoginLink(prisma, { linkHash: sha256(code), teamId: team.id, userId: user.id, scopes: [...new Set(input.scopes ?? ALL_SCOPES)], expiresAt });
  return { code, expiresAt };
}

async function startSession(prisma: PrismaClient, ttlMs: number, now: Date, owner: { teamId: string; userId: string; tokenId: string | null; scopes: string[] }) {
  const id = randomSecret();
  await insertSession(prisma, { idHash: sha256(id), ...owner, expiresAt: new Date(now.getTime() + ttlMs) });
  return id;
}

/** Consumes a login link (single use, 15 minutes) and returns the new session's id. */
export async function signInWithLink(prisma: PrismaClient, code: string, ttlMs: number, now = new Date()): Promise<string> {
  if (!SECRET_SHAPE.test(code)) throw new SignInError('invalid_link');
  const link = await consumeLoginLink(prisma, sha256(code), now);
  if (!link) throw new SignInError('invalid_link');
  if (!link.scopes.includes(READ_SCOPE)) throw new SignInError('missing_scope');
  return startSession(prisma, ttlMs, now, { teamId: link.team_id, userId: link.user_id, tokenId: null, scopes: link.scopes });
}

/** Signs in with an API token holding team:read; the session lives only as long as the token. */
export async function signInWithToken(prisma: PrismaClient, token: string, ttlMs: number, now = new Date()): Promise<string> {
  if (!hasTokenShape(token)) throw new SignInError('invalid_token');
  const check = await verifyToken(prisma, token, now);
  if (!check.ok) throw new SignInError('invalid_token');
  if (!check.auth.scopes.has(READ_SCOPE)) throw new SignInError('missing_scope');
  return startSession(prisma, ttlMs, now, {
    teamId: check.auth.teamId,
    userId: check.auth.userId,
    tokenId: check.auth.tokenId,
    scopes: [...check.auth.scopes],
  });
}

export async function loadSession(prisma: PrismaClient, id: string, now = new Date()): Promise<DashboardSession | null> {
  if (!SECRET_SHAPE.test(id)) return null;
  const row = await selectLiveSession(prisma, sha256(id), now);
  if (!row) return null;
  return {
    idHash: row.id_hash,
    teamId: row.team_id,
    teamName: row.team_name,
    userId: row.user_id,
    userName: row.user_name,
    tokenId: row.token_id,
    scopes: new Set(row.scopes),
  };
}

export async function endSession(prisma: PrismaClient, idHash: string, now = new Date()): Promise<void> {
  await markSessionRevoked(prisma, idHash, now);
}

/** For the operator CLI: signs a user out of every browser; null when the team has no such user. */
export async function endUserSessions(prisma: PrismaClient, team: string, user: string, now = new Date()): Promise<number | null> {
  const userId = await selectUserId(prisma, team, user);
  return userId === null ? null : markUserSessionsRevoked(prisma, userId, now);
}

/**
 * The CSRF token of a session: an HMAC of its id hash, so it is bound to the session, needs no
 * storage, and a token from another session (or a forged one) never matches.
 */
export function csrfToken(secret: Buffer | string, session: Pick<DashboardSession, 'idHash'>): string {
  return createHmac('sha256', secret).update(`csrf:${session.idHash}`).digest('base64url');
}

export function csrfMatches(secret: Buffer | string, session: Pick<DashboardSession, 'idHash'>, candidate: unknown): boolean {
  if (typeof candidate !== 'string') return false;
  const expected = Buffer.from(csrfToken(secret, session));
  const given = Buffer.from(candidate);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
