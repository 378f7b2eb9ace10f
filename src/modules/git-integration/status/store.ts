import type { RawSql } from '../../../db/handles.js';
import type { RemoteMeasure } from '../operations/remote-state.js';

// The one statement GET /status runs (prepared: each connection plans it once). It reads the
// team's settings row, its pipelines against their sync bases, and its latest operations: the
// module's one read of git_integration_configs, pipelines and git_operations outside their own
// stores, kept as one statement so that status stays one indexed round trip (README: status/).
// Every edit bumps pipelines.version, so only pipelines whose version moved since their sync
// have their contents compared (a no-op save is not a change). Operations of a team run one
// at a time in submission order, so "latest by created_at" (index team_id, created_at) is
// also "latest finished".

export interface StatusRow {
  enabled: boolean;
  default_branch: string;
  last_synced_branch: string | null;
  last_sync_at: Date | null;
  last_error: string | null;
  local_ahead: number;
  active: { id: string; kind: 'push' | 'pull'; status: 'queued' | 'running'; started_at: string | null } | null;
  /** The remote as the team's latest push or pull measured it. */
  remote: RemoteMeasure | null;
  /** The remote as the latest background refresh measured it, and when that refresh started (even if it failed). */
  remote_view: RemoteMeasure | null;
  remote_checked_at: Date | null;
  conflicts: { pipeline_id: string; path: string; app_change: 'added' | 'modified' | 'deleted'; git_change: 'added' | 'modified' | 'deleted'; resolution: string | null }[] | null;
}

export async function readStatusRow(sql: RawSql, teamId: string): Promise<StatusRow | undefined> {
  const [row] = await sql.$queryPrepared<StatusRow[]>`
    SELECT c.enabled, c.default_branch, c.last_synced_branch, c.last_sync_at, c.last_error, c.remote_view, c.remote_checked_at,
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
  return row;
}
