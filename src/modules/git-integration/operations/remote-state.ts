import type { GitRepository } from '../../../lib/git/repository.js';

/** A measurement of the remote as stored: in an operation's result, or as the refreshed remote view. */
export interface RemoteMeasure {
  branch?: string;
  head_commit?: string | null;
  ahead_count?: number;
  computed_at?: string;
}

/** The measurement taken last (an ISO timestamp each); either may be missing. */
export function newestMeasure(a: RemoteMeasure | null, b: RemoteMeasure | null): RemoteMeasure | null {
  if (!a?.computed_at) return b?.computed_at ? b : a;
  if (!b?.computed_at) return a;
  return Date.parse(b.computed_at) > Date.parse(a.computed_at) ? b : a;
}

/**
 * Where the remote stands relative to the last sync: commits on the synced branch
 * touching the prefix since the last synced commit. Measured by each operation
 * right after its fetch and stored in its result, so that GET /status never runs git.
 */
export async function measureRemote(repo: GitRepository, prefix: string, branch: string, syncedCommit: string | null) {
  const head = await repo.remoteBranch(branch);
  let aheadCount = 0;
  if (head && head !== syncedCommit) {
    const from = syncedCommit && (await repo.isAncestorKnown(syncedCommit)) ? syncedCommit : null;
    aheadCount = await repo.countCommits(from, head, [prefix ? `:(literal)${prefix}` : '.']);
  }
  return { branch, head_commit: head, ahead_count: aheadCount, computed_at: new Date().toISOString() };
}
