import type { Logger } from 'pino';
import { normalisePrefix, openTeamRepository, requireTeamRemote, resolveGitAuth, withTeamClone, type GitDeps } from '../git-context.js';
import { safeMessage } from '../errors.js';
import { measureRemote } from '../operations/remote-state.js';
import { hasUnfinishedOperation } from '../operations/store.js';
import { withIntegrationGitAuth } from '../ssh-keys/host-keys.js';
import { loadGitIntegration, recordRemoteCheckFailure, recordRemoteView, type MeasuredRemote } from '../settings/store.js';

// One refresh: fetch into the team's clone and measure the remote against the last sync, as an
// operation does right after its fetch. The view is stamped with the time the refresh started,
// so a reader waiting for a view newer than its request never takes one fetched before it.
// Skipped while a push or pull of the team is queued or running: that operation fetches and
// measures the remote itself. One submitted after that check waits for the clone (withTeamClone).

export async function refreshRemoteView(deps: GitDeps, teamId: string, log: Logger): Promise<void> {
  const startedAt = new Date();
  if (await hasUnfinishedOperation(deps.prisma, teamId)) return;
  let measured: MeasuredRemote | null = null;
  try {
    const integration = await loadGitIntegration(deps.prisma, teamId, deps.secrets);
    if (!integration?.enabled) return;
    measured = { repositoryUrl: integration.repositoryUrl, defaultBranch: integration.defaultBranch, pathPrefix: integration.pathPrefix };
    const target = await requireTeamRemote(deps, integration);
    const auth = await resolveGitAuth(deps, integration);
    const branch = integration.lastSyncedBranch ?? integration.defaultBranch;
    const remote = await withTeamClone(deps.config, teamId, async () => {
      const repo = await openTeamRepository(deps.config, integration);
      await withIntegrationGitAuth(deps.prisma, integration, auth.git, target, (prepared) => repo.fetch(prepared));
      return measureRemote(repo, normalisePrefix(integration.pathPrefix), branch, integration.lastSyncedCommit);
    });
    await recordRemoteView(deps.prisma, teamId, measured, { ...remote, computed_at: startedAt.toISOString() }, startedAt);
  } catch (error) {
    const message = safeMessage(error);
    log.warn({ teamId, error: message }, 'remote refresh failed');
    await recordRemoteCheckFailure(deps.prisma, teamId, measured, message, startedAt);
  }
}
