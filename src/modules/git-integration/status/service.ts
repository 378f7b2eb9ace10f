import type { RawSql } from '../../../db/raw-sql.js';
import { conflict } from '../../../lib/errors.js';

// GET /status must be cheap (it is polled by the UI): one SQL statement (planned once per
// connection), no git.
// Every edit bumps pipelines.version, so only pipelines whose version moved since
// their sync have their contents compared (a no-op save is not a change).
// Operations of a team run one at a time in submission order, so "latest by
// created_at" (index team_id, created_at) is also "latest finished".
// The remote side was measured by the last operation (which had fetched) and is
// read from its result; the local side is computed now against the sync bases.

interface StatusRow {
  enabled: boolean;
  default_branch: string;
  last_synced_branch: string | null;
  last_sync_at: Date | null;
  last_error: string | null;
  local_ahead: number;
  active: { id: string; kind: 'push' | 'pull'; status: 'queued' | 'running'; started_at: string | null } | null;
  remote: { branch?: string; ahead_count?: number; computed_at?: string } | null;
  conflicts: { pipeline_id: string; path: string; app_change: 'added' | 'modified' | 'deleted'; git_change: 'added' | 'modified' | 'deleted'; resolution: string | null }[] | null;
}

export async function getSyncStatus(sql: RawSql, teamId: string) {
  const [row] = await sql.$queryPrepared<StatusRow[]>`
    SELECT c.enabled, c.default_branch, c.last_synced_branch, c.last_sync_at, c.last_error,
      (SELECT count(*)::int FROM pipelines p LEFT JOIN pipeline_sync_states s ON s.team_id = p.team_id AND s.pipeline_id = p.id
        WHERE p.team_id = c.team_id
          AND CASE WHEN s.pipeline_id IS NULL THEN p.deleted_at IS NULL
                   ELSE p.deleted_at IS NOT NULL
                     OR (p.version <> s.synced_version AND (p.name <> s.synced_name OR p.definition <> s.synced_definition)) END
      ) AS local_ahead,
      (SELECT json_build_object('id', o.id, 'kind', o.kind, 'status', o.status, 'started_at', o.started_at)
        FROM git_operations o WHERE o.team_id = c.team_id AND o.status IN ('queued', 'running')
        ORDER BY (o.status = 'running') DESC, o.id LIMIT 1) AS active,
      (SELECT o.result->'remote' FROM git_operations o
        WHERE o.team_id = c.team_id AND o.status IN ('succeeded', 'conflict') AND o.result ? 'remote'
        ORDER BY o.created_at DESC LIMIT 1) AS remote,
      (SELECT o.result->'conflicts' FROM git_operations o
        WHERE o.team_id = c.team_id AND o.kind = 'pull' AND o.status IN ('succeeded', 'conflict')
        ORDER BY o.created_at DESC LIMIT 1) AS conflicts
    FROM git_integration_configs c WHERE c.team_id = ${teamId}::uuid`;
  if (!row) throw conflict('Git integration is not configured for this team; save it first (POST /api/git-integration)');

  // Conflicts a `theirs`/`ours` pull resolved are listed in its result but are no longer open.
  const conflicts = (row.conflicts ?? []).filter((c) => !c.resolution).map((c) => ({ pipeline_id: c.pipeline_id, path: c.path, app_change: c.app_change, git_change: c.git_change }));
  const remoteAhead = row.remote?.ahead_count ?? 0;
  return {
    in_sync: row.enabled && row.last_sync_at !== null && row.local_ahead === 0 && remoteAhead === 0 && conflicts.length === 0 && !row.active,
    branch: row.last_synced_branch ?? row.default_branch,
    local_ahead_count: row.local_ahead,
    remote_ahead_count: remoteAhead,
    remote_checked_at: row.remote?.computed_at ?? null,
    last_successful_sync_at: row.last_sync_at?.toISOString() ?? null,
    last_error: row.last_error,
    active_operation: row.active,
    conflicts,
  };
}
