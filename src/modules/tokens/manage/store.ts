import type { Prisma, PrismaClient } from '../../../generated/prisma/client.js';
import { markTokenRevoked } from '../../../lib/auth/tokens.js';
import { isUuid } from '../../../lib/ids.js';

// The SQL of team token management. Every statement is scoped by team id: a token of
// another team is indistinguishable from one that does not exist.

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

const withCreator = { user: { select: { name: true } } } as const;

type StoredToken = Prisma.ApiTokenGetPayload<{ include: typeof withCreator }>;

function toRow(row: StoredToken): TeamTokenRow {
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

export async function selectTeamTokens(prisma: PrismaClient, teamId: string): Promise<TeamTokenRow[]> {
  const rows = await prisma.apiToken.findMany({ where: { teamId }, include: withCreator, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  return rows.map(toRow);
}

export async function selectTeamToken(prisma: PrismaClient, teamId: string, id: string): Promise<TeamTokenRow | null> {
  if (!isUuid(id)) return null;
  const row = await prisma.apiToken.findFirst({ where: { id, teamId }, include: withCreator });
  return row ? toRow(row) : null;
}

export async function selectNames(prisma: PrismaClient, teamId: string, userId: string): Promise<{ team: string; user: string } | null> {
  const user = await prisma.user.findFirst({ where: { id: userId, teamId }, select: { name: true, team: { select: { name: true } } } });
  return user ? { team: user.team.name, user: user.name } : null;
}

/** When the team's token `id` expires (null: never, or no such token). */
export async function selectTokenExpiry(prisma: PrismaClient, teamId: string, id: string): Promise<Date | null> {
  if (!isUuid(id)) return null;
  const row = await prisma.apiToken.findFirst({ where: { id, teamId }, select: { expiresAt: true } });
  return row?.expiresAt ?? null;
}

/**
 * Sets revoked_at once (a second revocation keeps the first time) and ends the owner's login-link
 * sessions with it, except `keepSession`; false when the team has no such token.
 */
export async function markRevoked(prisma: PrismaClient, teamId: string, id: string, now: Date, keepSession?: string): Promise<boolean> {
  return markTokenRevoked(prisma, id, now, { teamId, keepSession });
}
