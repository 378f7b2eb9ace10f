import type { RawSql } from '../../../db/handles.js';
import { notConfigured } from '../errors.js';
import { newestMeasure } from '../operations/remote-state.js';
import { readStatusRow } from './store.js';

// GET /status must be cheap (it is polled by the UI): one SQL statement (store.ts), no git.
// The remote side is the newer of two measurements: the last operation's (right after its
// fetch) and the last background refresh's (refresh/); the local side is computed now against
// the sync bases. `checkedAt` (the newest measurement or refresh attempt) tells the route
// whether to queue a refresh.

export async function getSyncStatus(sql: RawSql, teamId: string) {
  const row = await readStatusRow(sql, teamId);
  if (!row) throw notConfigured();

  // Conflicts a `theirs`/`ours` pull resolved are listed in its result but are no longer open.
  const conflicts = (row.conflicts ?? []).filter((c) => !c.resolution).map((c) => ({ pipeline_id: c.pipeline_id, path: c.path, app_change: c.app_change, git_change: c.git_change }));
  const remote = newestMeasure(row.remote, row.remote_view);
  const remoteAhead = remote?.ahead_count ?? 0;
  const status = {
    in_sync: row.enabled && row.last_sync_at !== null && row.local_ahead === 0 && remoteAhead === 0 && conflicts.length === 0 && !row.active,
    branch: row.last_synced_branch ?? row.default_branch,
    local_ahead_count: row.local_ahead,
    remote_ahead_count: remoteAhead,
    remote_checked_at: remote?.computed_at ?? null,
    last_successful_sync_at: row.last_sync_at?.toISOString() ?? null,
    last_error: row.last_error,
    active_operation: row.active,
    conflicts,
  };
  const measured = remote?.computed_at ? Date.parse(remote.computed_at) : NaN;
  const attempted = row.remote_checked_at?.getTime() ?? NaN;
  const latest = Math.max(Number.isNaN(measured) ? -Infinity : measured, Number.isNaN(attempted) ? -Infinity : attempted);
  return { status, enabled: row.enabled, checkedAt: Number.isFinite(latest) ? new Date(latest) : null };
}
