import { Prisma } from '../generated/prisma/client.js';
import { ALL_SCOPES, type Scope } from '../lib/auth/scopes.js';
import { generateToken, hashToken, type TokenCache, type TokenCheck } from '../lib/auth/tokens.js';
import { isUuid, uuidv7 } from '../lib/ids.js';
import type { Db, PrismaClient, Sql, Tx } from './handles.js';

// The store of api_tokens, and the only place that creates teams and users. It sits in src/db, below
// the modules, because the auth plugin (src/plugins/auth.ts), which every module's routes run behind,
// verifies tokens with it, and plugins and lib must not import modules; the operator CLI and the test
// helpers create tokens without an app. The tokens module (team token management) and the dashboard
// (sign-in, login links) call it; dashboard_sessions have their own store (dashboard-sessions.ts), so
// revoking a token here changes api_tokens only and the caller ends the sessions (tokens/manage/service.ts).
// The revocation channel (NOTIFY and LISTEN) is in token-revocations.ts.

export interface CreateTokenInput {
  team: string;
  user: string;
  name?: string;
  scopes?: readonly Scope[];
  expiresAt?: Date | null;
  /** Lifetime counted from the token's created_at (same clock, same instant); wins over expiresAt. */
  expiresInMs?: number;
}

export interface TokenSummary {
  id: string;
  team: string;
  user: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

type TokenRow = Omit<TokenSummary, 'team' | 'user' | 'prefix' | 'scopes'> & {
  tokenPrefix: string;
  scopes: string[];
  team: { name: string };
  user: { name: string };
};

function toSummary(row: TokenRow): TokenSummary {
  return {
    id: row.id,
    team: row.team.name,
    user: row.user.name,
    name: row.name,
    prefix: row.tokenPrefix,
    scopes: row.scopes as Scope[],
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    createdAt: row.createdAt,
  };
}

/** The team and the user named, created when missing (a new token, a login link). */
export async function upsertTeamUser(tx: Tx, team: string, user: string): Promise<{ team: { id: string; name: string }; user: { id: string; name: string } }> {
  const teamRow = await tx.team.upsert({ where: { name: team }, create: { id: uuidv7(), name: team }, update: {} });
  const userRow = await tx.user.upsert({
    where: { teamId_name: { teamId: teamRow.id, name: user } },
    create: { id: uuidv7(), teamId: teamRow.id, name: user },
    update: {},
  });
  return { team: teamRow, user: userRow };
}

/** Creates the team and user when missing, then a token; returns the raw token once. */
export async function createToken(prisma: PrismaClient, input: CreateTokenInput): Promise<TokenSummary & { token: string }> {
  const generated = generateToken();
  const scopes = [...new Set(input.scopes ?? ALL_SCOPES)];
  // created_at is set here, not by the database default, so that an expiry computed from it
  // can never come before it (a CLI start-up of a few seconds once made `1s` expire in the past).
  const createdAt = new Date();
  let expiresAt = input.expiresAt ?? null;
  if (input.expiresInMs !== undefined) {
    if (!Number.isSafeInteger(input.expiresInMs) || input.expiresInMs <= 0) throw new RangeError('A token lifetime must be a positive number of milliseconds');
    expiresAt = new Date(createdAt.getTime() + input.expiresInMs);
    if (Number.isNaN(expiresAt.getTime())) throw new RangeError('A token lifetime must end before the year 275760');
  }
  return prisma.$transaction(async (tx) => {
    const { team, user } = await upsertTeamUser(tx, input.team, input.user);
    const row = await tx.apiToken.create({
      data: {
        id: uuidv7(),
        teamId: team.id,
        userId: user.id,
        name: input.name ?? `${input.user} token`,
        tokenHash: generated.hash,
        tokenPrefix: generated.prefix,
        scopes,
        expiresAt,
        createdAt,
      },
    });
    return { token: generated.raw, ...toSummary({ ...row, team, user }) };
  });
}

/** Every token (of the named team), oldest first: the operator CLI's list. */
export async function listTokens(db: Db, filter: { team?: string } = {}): Promise<TokenSummary[]> {
  const rows = await db.apiToken.findMany({
    where: filter.team ? { team: { name: filter.team } } : {},
    include: { team: true, user: true },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map(toSummary);
}

// last_used_at is a staleness signal, not an audit log: writing it at most once a
// minute keeps authentication a single indexed read on the hot path.
const LAST_USED_RESOLUTION_MS = 60_000;

export async function verifyToken(db: Db, raw: string, now = new Date(), cache?: TokenCache): Promise<TokenCheck> {
  const tokenHash = hashToken(raw);
  const cached = cache?.get(tokenHash, now.getTime());
  if (cached) return { ok: true, auth: cached };
  const row = await db.apiToken.findUnique({
    where: { tokenHash },
    select: { id: true, teamId: true, userId: true, scopes: true, expiresAt: true, revokedAt: true, lastUsedAt: true },
  });
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revokedAt) return { ok: false, reason: 'revoked' };
  if (row.expiresAt && row.expiresAt <= now) return { ok: false, reason: 'expired' };
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  const auth = { tokenId: row.id, teamId: row.teamId, userId: row.userId, scopes: new Set(row.scopes) };
  cache?.set(tokenHash, auth, now.getTime(), row.expiresAt);
  return { ok: true, auth };
}

/**
 * Sets token `id`'s revoked_at (of team `teamId` when given) once: revoking twice keeps the first
 * time. `found`: the token exists; `revokedUserId`: its owner, when this call revoked it (null when
 * it was revoked before), whose login-link sessions the caller ends in the same transaction.
 */
export async function markTokenRevoked(sql: Sql, id: string, now: Date, teamId?: string): Promise<{ found: boolean; revokedUserId: string | null }> {
  if (!isUuid(id)) return { found: false, revokedUserId: null };
  const ofTeam = teamId === undefined ? Prisma.empty : Prisma.sql`AND team_id = ${teamId}::uuid`;
  const rows = await sql.$queryRaw<{ found: boolean; revoked_user_id: string | null }[]>`
    WITH revoked AS (
      UPDATE api_tokens SET revoked_at = ${now}, updated_at = ${now}
       WHERE id = ${id}::uuid ${ofTeam} AND revoked_at IS NULL
      RETURNING user_id
    )
    SELECT EXISTS (SELECT 1 FROM api_tokens WHERE id = ${id}::uuid ${ofTeam}) AS found,
           (SELECT user_id::text FROM revoked) AS revoked_user_id`;
  return { found: rows[0]?.found === true, revokedUserId: rows[0]?.revoked_user_id ?? null };
}

export interface TeamTokenRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  creator: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

// The team-scoped reads of token management: a token of another team is indistinguishable
// from one that does not exist.

const withCreator = { user: { select: { name: true } } } as const;

type StoredToken = Prisma.ApiTokenGetPayload<{ include: typeof withCreator }>;

function toTeamTokenRow(row: StoredToken): TeamTokenRow {
  return {
    id: row.id,
    name: row.name,
    prefix: row.tokenPrefix,
    scopes: row.scopes,
    creator: row.user.name,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    createdAt: row.createdAt,
  };
}

export async function selectTeamTokens(db: Db, teamId: string): Promise<TeamTokenRow[]> {
  const rows = await db.apiToken.findMany({ where: { teamId }, include: withCreator, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  return rows.map(toTeamTokenRow);
}

export async function selectTeamToken(db: Db, teamId: string, id: string): Promise<TeamTokenRow | null> {
  if (!isUuid(id)) return null;
  const row = await db.apiToken.findFirst({ where: { id, teamId }, include: withCreator });
  return row ? toTeamTokenRow(row) : null;
}

/** When the team's token `id` expires (null: never, or no such token). */
export async function selectTokenExpiry(db: Db, teamId: string, id: string): Promise<Date | null> {
  if (!isUuid(id)) return null;
  const row = await db.apiToken.findFirst({ where: { id, teamId }, select: { expiresAt: true } });
  return row?.expiresAt ?? null;
}

/** The names of user `userId` and of its team `teamId` (null when the team has no such user). */
export async function selectUserNames(db: Db, teamId: string, userId: string): Promise<{ team: string; user: string } | null> {
  const user = await db.user.findFirst({ where: { id: userId, teamId }, select: { name: true, team: { select: { name: true } } } });
  return user ? { team: user.team.name, user: user.name } : null;
}

/** The id of the user named `user` in the team named `team` (null when there is none). */
/** A team's name (the GitHub App link shows it to the member who links). */
export async function selectTeamName(db: Db, teamId: string): Promise<string> {
  return (await db.team.findUniqueOrThrow({ where: { id: teamId }, select: { name: true } })).name;
}

export async function selectUserId(db: Db, team: string, user: string): Promise<string | null> {
  const row = await db.user.findFirst({ where: { name: user, team: { name: team } }, select: { id: true } });
  return row?.id ?? null;
}
