import { AppError, invalidRequest } from '../../../lib/errors.js';
import { GitCommandError } from '../../../lib/git/run.js';
import { normalisePrefix, openTeamRepository, requireIntegration, requireTeamRemote, resolveGitAuth, withTeamClone, type GitDeps, type RefreshDeps } from '../git-context.js';
import { withIntegrationGitAuth } from '../ssh-keys/host-keys.js';
import { idFromPath } from '../pipeline-files.js';
import { requestSlots } from '../request-slots.js';
import { requireSavedUrl } from '../settings/repository-url.js';
import { readRemoteCheckedAt, readRemoteView } from '../settings/store.js';
import { newestMeasure } from '../operations/remote-state.js';
import { readLatestOperationRemote } from '../operations/store.js';
import type { GitRepository } from '../../../lib/git/repository.js';
import { awaitFreshView, refreshIfStale } from '../refresh/service.js';

// Commit history of the pipeline files, read from the team's local clone as last fetched by an
// operation or a background refresh (no network on this request; a view older than
// GIT_REMOTE_REFRESH_SECONDS queues a refresh, ?refresh=true waits for one), except when the
// clone does not know the branch yet and was not fetched within GIT_HISTORY_FRESH_SECONDS, or
// when another instance measured the branch at a commit this clone lacks: then it is fetched,
// in one of the bounded request slots (429 when none is free).

export async function getHistory(
  deps: GitDeps,
  refresh: RefreshDeps,
  teamId: string,
  query: { branch?: string; path?: string; limit: number; refresh?: boolean },
) {
  const integration = await requireIntegration(deps, teamId);
  const prefix = normalisePrefix(integration.pathPrefix);
  const path = query.path ?? prefix;
  if (path.split('/').includes('..') || path.startsWith('/') || path.startsWith(':') || !path.startsWith(prefix)) {
    throw invalidRequest('Invalid path', [{ field: 'query.path', issue: `must be inside the path prefix "${prefix}"` }]);
  }
  const branch = query.branch ?? integration.defaultBranch;
  // Checked even when the clone answers alone (without DNS: no connection is made then): a config
  // that no longer passes is refused the same way everywhere.
  const url = requireSavedUrl(integration.repositoryUrl, deps.config.gitIntegration).url;
  if (query.refresh) await awaitFreshView(refresh, teamId);
  else refreshIfStale(refresh, teamId, await readRemoteCheckedAt(deps.prisma, teamId));
  const repo = await openTeamRepository(deps.config, integration);
  // Branches of the clone count only when they were fetched from this URL (the config may have moved).
  let head = (await repo.fetchedFrom(url)) ? await repo.remoteBranch(branch) : null;
  if (
    (!head && !(await repo.fetchedWithin(deps.config.gitIntegration.operations.historyFreshSeconds, url))) ||
    (head && (await measuredElsewhere(deps, repo, teamId, branch, head)))
  ) {
    // The slot first: resolving the host and minting a token (a GitHub App's) are work a burst of
    // requests must not multiply; a request without a slot gets its 429 before either.
    const fetch = async () => {
      const target = await requireTeamRemote(deps, integration);
      const auth = await resolveGitAuth(deps, integration);
      await withTeamClone(deps.config, teamId, () => withIntegrationGitAuth(deps.prisma, integration, auth.git, target, (prepared) => repo.fetch(prepared)));
    };
    await requestSlots(deps.config).run(teamId, fetch).catch((error: unknown) => {
      if (error instanceof GitCommandError) throw new AppError(502, 'unavailable', `Could not fetch from the remote: ${error.message}`);
      throw error;
    });
    head = await repo.remoteBranch(branch);
  }
  if (!head) return [];
  const commits = await repo.log(head, [path ? `:(literal)${path}` : '.'], query.limit);
  return commits.map((c) => ({
    sha: c.sha,
    message: c.subject,
    author: `${c.authorName} <${c.authorEmail}>`,
    committed_at: new Date(c.committedAt).toISOString(),
    pipeline_ids_touched: [...new Set(c.paths.map((p) => idFromPath(prefix, p)).filter((id): id is string => id !== null))].sort(),
  }));
}

const COMMIT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Whether the remote was measured, by an operation or a refresh on any instance, at a commit of
 * `branch` this clone has never fetched: each instance keeps its own clone, and the instance that
 * refreshed the view (or ran the push) is not always the one answering. Then this clone fetches.
 */
async function measuredElsewhere(deps: GitDeps, repo: GitRepository, teamId: string, branch: string, head: string): Promise<boolean> {
  const [operation, view] = await Promise.all([readLatestOperationRemote(deps.prisma, teamId), readRemoteView(deps.prisma, teamId)]);
  const measured = newestMeasure(operation, view);
  const commit = measured?.branch === branch ? measured.head_commit : null;
  if (!commit || commit === head || !COMMIT_ID.test(commit)) return false;
  return !(await repo.isAncestorKnown(commit));
}
