import type { Db, PrismaClient } from '../../../db/handles.js';

// github_app_link_states (pending links, by SHA-256 of their state) and
// github_app_installation_links (installations a team may use): see service.ts.

export async function installationLinked(db: Db, teamId: string, installationId: string): Promise<boolean> {
  return (await db.githubAppInstallationLink.count({ where: { teamId, installationId } })) > 0;
}

/** Stores a pending link; expired ones of every team are swept in the same transaction. */
export async function insertLinkState(prisma: PrismaClient, row: { stateHash: string; teamId: string; userId: string; expiresAt: Date }, now: Date): Promise<void> {
  await prisma.$transaction([
    prisma.githubAppLinkState.deleteMany({ where: { expiresAt: { lt: now } } }),
    prisma.githubAppLinkState.create({ data: row }),
  ]);
}

/** Deletes and returns the pending link if it is the caller's (one DELETE ... RETURNING: of two completions, one gets it). */
export async function consumeLinkState(
  db: Db,
  stateHash: string,
  caller: { teamId: string; userId: string },
): Promise<{ team_id: string; user_id: string; expires_at: Date } | undefined> {
  const [pending] = await db.$queryRaw<{ team_id: string; user_id: string; expires_at: Date }[]>`
    DELETE FROM github_app_link_states
    WHERE state_hash = ${stateHash} AND team_id = ${caller.teamId}::uuid AND user_id = ${caller.userId}::uuid
    RETURNING team_id, user_id, expires_at`;
  return pending;
}

export async function upsertInstallationLink(
  db: Db,
  key: { teamId: string; installationId: string },
  fields: { accountId: bigint; accountLogin: string; linkedByUser: string; linkedAt: Date },
): Promise<void> {
  await db.githubAppInstallationLink.upsert({
    where: { teamId_installationId: key },
    create: { ...key, ...fields },
    update: fields,
  });
}
