import { uuidv7 } from '../lib/ids.js';
import type { Db, PrismaClient, Tx } from './handles.js';

// The store of dashboard_sessions and dashboard_login_links: the only place that reads or writes them.
// It sits in src/db, below the modules, for the reason src/db/tokens.ts does: two modules need it. The
// dashboard signs people in and out with it (sessions/service.ts), and the tokens module, revoking a
// token, ends its owner's login-link sessions in the same transaction (endLinkSessionsOf, called from
// tokens/manage/service.ts); with the store in either module, the other would import it while the
// dashboard already imports the tokens module's service. The operator CLI reaches it through the
// dashboard's sessions service. Only hashes of session ids and links are stored. Teams, users and
// tokens are tokens.ts's; the live session lookup reads them in its one statement.

export interface DashboardSessionRow {
  id_hash: string;
  team_id: string;
  team_name: string;
  user_id: string;
  user_name: string;
  token_id: string | null;
  scopes: string[];
}

/**
 * A live session in one statement: not revoked, not expired, and when it was made from an API
 * token, that token still active; a token session has the token's current scopes.
 */
export async function selectLiveSession(prisma: PrismaClient, idHash: string, now: Date): Promise<DashboardSessionRow | null> {
  const rows = await prisma.$queryRaw<DashboardSessionRow[]>`
    SELECT s.id_hash, s.team_id::text, t.name AS team_name, s.user_id::text, u.name AS user_name, s.token_id::text,
           COALESCE(a.scopes, s.scopes) AS scopes
      FROM dashboard_sessions s
      JOIN teams t ON t.id = s.team_id
      JOIN users u ON u.id = s.user_id AND u.team_id = s.team_id
      LEFT JOIN api_tokens a ON a.id = s.token_id
     WHERE s.id_hash = ${idHash} AND s.revoked_at IS NULL AND s.expires_at > ${now}
       AND (s.token_id IS NULL OR (a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > ${now})))`;
  return rows[0] ?? null;
}

export async function insertSession(
  prisma: PrismaClient,
  session: { idHash: string; teamId: string; userId: string; tokenId: string | null; scopes: string[]; expiresAt: Date },
): Promise<void> {
  await prisma.dashboardSession.create({ data: { id: uuidv7(), ...session } });
}

export async function markSessionRevoked(prisma: PrismaClient, idHash: string, now: Date): Promise<void> {
  await prisma.dashboardSession.updateMany({ where: { idHash, revokedAt: null }, data: { revokedAt: now } });
}

/** Ends every live session of user `userId`; how many. */
export async function markUserSessionsRevoked(db: Db, userId: string, now: Date): Promise<number> {
  const ended = await db.dashboardSession.updateMany({ where: { userId, revokedAt: null, expiresAt: { gt: now } }, data: { revokedAt: now } });
  return ended.count;
}

/**
 * Ends the sessions of user `userId` that came from a login link (sessions signed in with a token
 * end with that token), except `keepSession` (an id hash): one of the user's tokens was just revoked,
 * in the caller's transaction.
 */
export async function endLinkSessionsOf(tx: Tx, userId: string, now: Date, keepSession?: string): Promise<void> {
  await tx.dashboardSession.updateMany({
    where: { userId, tokenId: null, revokedAt: null, ...(keepSession === undefined ? {} : { idHash: { not: keepSession } }) },
    data: { revokedAt: now },
  });
}

export async function insertLoginLink(
  prisma: PrismaClient,
  link: { linkHash: string; teamId: string; userId: string; scopes: string[]; expiresAt: Date },
): Promise<void> {
  await prisma.dashboardLoginLink.create({ data: { id: uuidv7(), ...link } });
}

/** Uses a link at most once: the UPDATE that sets used_at is the check, so two racing uses get one session. */
export async function consumeLoginLink(
  prisma: PrismaClient,
  linkHash: string,
  now: Date,
): Promise<{ team_id: string; user_id: string; scopes: string[] } | null> {
  const rows = await prisma.$queryRaw<{ team_id: string; user_id: string; scopes: string[] }[]>`
    UPDATE dashboard_login_links SET used_at = ${now}
     WHERE link_hash = ${linkHash} AND used_at IS NULL AND expires_at > ${now}
    RETURNING team_id::text, user_id::text, scopes`;
  return rows[0] ?? null;
}
