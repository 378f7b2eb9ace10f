import type { Prisma } from '../../../db/database.js';
import { canonicalJson, type PipelineContent } from '../pipeline-files.js';

// pipeline_sync_states: one row per pipeline holding the version last exchanged
// with git (the merge base); synced_commit is the commit where it last changed. Written set-based: one statement per call, whatever
// the number of pipelines.

export interface SyncedPipeline extends PipelineContent {
  id: string;
  path: string;
  blobSha: string;
  /** The app's version that was synced; null = the pipeline's current version. */
  version: number | null;
}

type Tx = Prisma.TransactionClient;

export async function upsertSyncStates(tx: Tx, teamId: string, commit: string, rows: SyncedPipeline[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO pipeline_sync_states
      (pipeline_id, team_id, path, synced_definition, synced_name, synced_version, synced_blob_sha, synced_commit, synced_at, updated_at)
    SELECT u.id, p.team_id, u.path, u.def::jsonb, u.name, COALESCE(u.version, p.version), u.sha, ${commit}, now(), now()
    FROM unnest(
      ${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.path)}::text[], ${rows.map((r) => canonicalJson(r.definition))}::text[],
      ${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.blobSha)}::text[], ${rows.map((r) => r.version)}::int[]
    ) AS u(id, path, def, name, sha, version)
    JOIN pipelines p ON p.id = u.id AND p.team_id = ${teamId}::uuid
    ON CONFLICT (team_id, pipeline_id) DO UPDATE SET
      path = EXCLUDED.path, synced_definition = EXCLUDED.synced_definition, synced_name = EXCLUDED.synced_name,
      synced_version = EXCLUDED.synced_version, synced_blob_sha = EXCLUDED.synced_blob_sha,
      synced_commit = EXCLUDED.synced_commit, synced_at = EXCLUDED.synced_at, updated_at = now()
    -- Rows already synced at this content keep their row (and synced_commit, the commit
    -- where it last changed): a push of one edit among thousands rewrites one row.
    WHERE pipeline_sync_states.synced_blob_sha IS DISTINCT FROM EXCLUDED.synced_blob_sha
       OR pipeline_sync_states.synced_version <> EXCLUDED.synced_version
       OR pipeline_sync_states.path <> EXCLUDED.path`;
}

export async function deleteSyncStates(tx: Tx, teamId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.$executeRaw`DELETE FROM pipeline_sync_states WHERE team_id = ${teamId}::uuid AND pipeline_id = ANY(${ids}::text[])`;
}

export async function recordSync(tx: Tx, teamId: string, commit: string, branch: string): Promise<void> {
  await tx.$executeRaw`
    UPDATE git_integration_configs
    SET last_sync_at = now(), last_synced_commit = ${commit}, last_synced_branch = ${branch}, last_error = NULL, updated_at = now()
    WHERE team_id = ${teamId}::uuid`;
}
