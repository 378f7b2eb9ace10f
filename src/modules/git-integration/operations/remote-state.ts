import type { GitRepository } from '../../../lib/git/repository.js';

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
