import { hash, randomBytes } from 'node:crypto';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import { isUuid, uuidv7 } from '../ids.js';
import { ALL_SCOPES, type Scope } from './scopes.js';

// Domain functions for API tokens. The raw token exists only in the return value
// of createToken; the database keeps its SHA-256 hash and a short display prefix.

const TOKEN_PREFIX = 'at_';
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 8;

// One-shot hash: it runs on every authenticated request, and a Hash object per call costs more than the digest.
function hashToken(raw: string): string {
  return hash('sha256', raw, 'hex');
}

function generateRawToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

const TOKEN_SHAPE = /^at_[A-Za-z0-9_-]{43}$/;

/** True when `raw` could be a token this server issued; anything else needs no lookup. */
export function hasTokenShape(raw: string): boolean {
  return TOKEN_SHAPE.test(raw);
}

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

/** Creates the team and user when missing, then a token; returns the raw token once. */
export async function createToken(
  prisma: PrismaClient,
  input: CreateTokenInput,
): Promise<TokenSummary & { token: string }> {
  const raw = generateRawToken();
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
    const team = await tx.team.upsert({
      where: { name: input.team },
      create: { id: uuidv7(), name: input.team },
      update: {},
    });
    const user = await tx.user.upsert({
      where: { teamId_name: { teamId: team.id, name: input.user } },
      create: { id: uuidv7(), teamId: team.id, name: input.user },
      update: {},
    });
    const row = await tx.apiToken.create({
      data: {
        id: uuidv7(),
        teamId: team.id,
        userId: user.id,
        name: input.name ?? `${input.user} token`,
        tokenHash: hashToken(raw),
        tokenPrefix: raw.slice(0, DISPLAY_PREFIX_LENGTH),
        scopes,
        expiresAt,
        createdAt,
      },
    });
    return { token: raw, ...toSummary({ ...row, team, user }) };
  });
}

export async function listTokens(prisma: PrismaClient, filter: { team?: string } = {}): Promise<TokenSummary[]> {
  const rows = await prisma.apiToken.findMany({
    where: filter.team ? { team: { name: filter.team } } : {},
    include: { team: true, user: true },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map(toSummary);
}

/** The PostgreSQL channel on which a revocation tells every server's token cache (token-revocations.ts). */
export const TOKEN_REVOKED_CHANNEL = 'api_token_revoked';

/**
 * Tells every server sharing the database that token `id` is revoked, so their caches drop it now
 * instead of after TOKEN_CACHE_TTL_MS. Call it after the revocation has committed.
 */
export async function notifyTokenRevoked(prisma: PrismaClient, id: string): Promise<void> {
  await prisma.$executeRaw`SELECT pg_notify(${TOKEN_REVOKED_CHANNEL}, ${id})`;
}

/**
 * Revokes token `id` (of team `teamId` when given) and, in the same statement, ends its owner's
 * dashboard sessions that came from a login link: revoking a user's tokens must sign them out
 * everywhere. (Sessions signed in with a token end with that token; see selectLiveSession.)
 * Revoking twice keeps the first time and ends no session started since. False when no such token.
 * `keepSession` (an id hash) spares the dashboard session doing the revoking: its user is present.
 */
export async function markTokenRevoked(
  prisma: PrismaClient,
  id: string,
  now: Date,
  scope: { teamId?: string; keepSession?: string } = {},
): Promise<boolean> {
  if (!isUuid(id)) return false;
  const ofTeam = scope.teamId === undefined ? Prisma.empty : Prisma.sql`AND team_id = ${scope.teamId}::uuid`;
  const spared = scope.keepSession === undefined ? Prisma.empty : Prisma.sql`AND id_hash <> ${scope.keepSession}`;
  const found = await prisma.$queryRaw<{ found: boolean }[]>`
    WITH revoked AS (
      UPDATE api_tokens SET revoked_at = ${now}, updated_at = ${now}
       WHERE id = ${id}::uuid ${ofTeam} AND revoked_at IS NULL
      RETURNING user_id
    ), ended AS (
      UPDATE dashboard_sessions SET revoked_at = ${now}
       WHERE user_id IN (SELECT user_id FROM revoked) AND token_id IS NULL AND revoked_at IS NULL ${spared}
    )
    SELECT EXISTS (SELECT 1 FROM api_tokens WHERE id = ${id}::uuid ${ofTeam}) AS found`;
  return found[0]?.found === true;
}

/** Returns false when no such token exists; revoking twice keeps the first time. */
export async function revokeToken(prisma: PrismaClient, id: string): Promise<boolean> {
  if (!(await markTokenRevoked(prisma, id, new Date()))) return false;
  await notifyTokenRevoked(prisma, id);
  return true;
}

export interface AuthContext {
  tokenId: string;
  teamId: string;
  userId: string;
  scopes: ReadonlySet<string>;
}

export type TokenCheck =
  | { ok: true; auth: AuthContext }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

// last_used_at is a staleness signal, not an audit log: writing it at most once a
// minute keeps authentication a single indexed read on the hot path.
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Successful lookups, kept for a few seconds so an authenticated request costs no
 * database round trip. The price: a revoked token keeps working until its entry
 * expires (at most the TTL). Entries never outlive the token's own expiry.
 */
export class TokenCache {
  private readonly entries = new Map<string, { auth: AuthContext; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Drops the entry of a revoked token (told by another process, or by this one). */
  forgetToken(tokenId: string): void {
    for (const [hash, entry] of this.entries) if (entry.auth.tokenId === tokenId) this.entries.delete(hash);
  }

  /** Drops everything: revocations may have been missed (the notification connection was down). */
  clear(): void {
    this.entries.clear();
  }

  get(hash: string, now: number): AuthContext | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.auth;
    this.entries.delete(hash);
    return undefined;
  }

  set(hash: string, auth: AuthContext, now: number, expiresAt: Date | null): void {
    if (this.ttlMs <= 0) return;
    // A full cache starts over rather than tracking recency: it only bounds memory.
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(hash, { auth, until: Math.min(now + this.ttlMs, expiresAt?.getTime() ?? Infinity) });
  }
}

export async function verifyToken(prisma: PrismaClient, raw: string, now = new Date(), cache?: TokenCache): Promise<TokenCheck> {
  const tokenHash = hashToken(raw);
  const cached = cache?.get(tokenHash, now.getTime());
  if (cached) return { ok: true, auth: cached };
  const row = await prisma.apiToken.findUnique({
    where: { tokenHash },
    select: { id: true, teamId: true, userId: true, scopes: true, expiresAt: true, revokedAt: true, lastUsedAt: true },
  });
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revokedAt) return { ok: false, reason: 'revoked' };
  if (row.expiresAt && row.expiresAt <= now) return { ok: false, reason: 'expired' };
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  const auth = { tokenId: row.id, teamId: row.teamId, userId: row.userId, scopes: new Set(row.scopes) };
  cache?.set(tokenHash, auth, now.getTime(), row.expiresAt);
  return { ok: true, auth };
}
