import { conflict } from '../../../lib/errors.js';
import { openPullRequest } from '../../../lib/git/providers/pull-requests.js';
import type { GitRepository } from '../../../lib/git/repository.js';
import { normalisePrefix, openTeamRepository, requireIntegration, requireTeamRemote, resolveGitAuth, type GitDeps } from '../git-context.js';
import { withIntegrationGitAuth } from '../ssh-keys/host-keys.js';
import { blobSha, pipelinePath, serialisePipeline } from '../pipeline-files.js';
import { readPipelinesToPush } from '../../pipelines/pipelines/store.js';
import { recordSync } from '../settings/store.js';
import type { PushPayload } from './payloads.js';
import { deleteSyncStates, finishOperation, upsertSyncStates, type OperationRow } from './store.js';
import { measureRemote } from './remote-state.js';

// Push: write the selected pipelines as files on `branch` (created from the
// default branch when missing), commit with the configured author, push without
// force. When the remote moved meanwhile the commit is rebuilt on the new head
// and pushed again, a bounded number of times. Re-running a push that already
// went through finds nothing to commit: that is its idempotence.

export async function runPush(deps: GitDeps, op: OperationRow, request: PushPayload): Promise<void> {
  const integration = await requireIntegration(deps, op.teamId);
  const prefix = normalisePrefix(integration.pathPrefix);
  const target = await requireTeamRemote(deps, integration); // before any credential is prepared
  const auth = await resolveGitAuth(deps, integration);
  const pipelines = await readPipelinesToPush(deps.prisma, op.teamId, request.pipeline_ids);
  const writes = new Map<string, string>();
  for (const p of pipelines.filter((p) => !p.deleted)) writes.set(pipelinePath(prefix, p.id), serialisePipeline(p.id, p));
  const removes = pipelines.filter((p) => p.deleted).map((p) => pipelinePath(prefix, p.id));
  const repo = await openTeamRepository(deps.config, integration);
  const maxAttempts = deps.config.gitIntegration.operations.pushMaxAttempts;

  // Every fetch and push of every attempt goes to `target` (prepared.url) with its pin and credentials.
  const outcome = await withIntegrationGitAuth(deps.prisma, integration, auth.git, target, async (prepared) => {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      await repo.fetch(prepared);
      const existing = await repo.remoteBranch(request.branch);
      const parent = existing ?? (await repo.remoteBranch(integration.defaultBranch));
      const changes = await diffAgainst(repo, parent, prefix, writes, removes, deps.config.gitIntegration.operations.maxTreeEntries);
      // Only what differs from the parent is hashed into the object store: an edit of one
      // pipeline among thousands writes one blob.
      const changed = new Map([...changes.added, ...changes.modified].map((path) => [path, writes.get(path)!]));
      const commit =
        changed.size === 0 && changes.removed.length === 0
          ? null
          : await repo.buildCommit({
              parent,
              writes: changed,
              removes: changes.removed,
              message: request.message,
              author: { name: integration.authorName, email: integration.authorEmail },
            });
      const head = commit ?? parent;
      if (!head) return { commit: null, head: null, created: false, changes, attempt };
      if (commit || !existing) {
        const pushed = await repo.push(head, request.branch, prepared);
        if (!pushed.ok) continue; // the remote moved: fetch and rebuild on its new head
      }
      return { commit, head, created: !existing, changes, attempt };
    }
    throw conflict(`The remote branch "${request.branch}" kept moving; gave up after ${maxAttempts} attempts (nothing was forced)`);
  });

  let pullRequest: { url: string; number: number } | null = null;
  if (request.create_pull_request && outcome.commit && request.branch !== integration.defaultBranch) {
    if (!auth.apiToken) throw conflict('Opening a pull request needs token or GitHub App credentials');
    pullRequest = await openPullRequest({
      provider: integration.provider,
      // An App's installation token goes only to the App's own API base.
      apiBaseUrl: auth.apiBaseUrl ?? deps.config.gitIntegration.providerApiUrls[integration.provider as 'github'] ?? '',
      repositoryUrl: target.url.href,
      token: auth.apiToken,
      username: auth.apiUsername,
      head: request.branch,
      base: integration.defaultBranch,
      title: request.pr_title ?? request.message,
      body: request.pr_body ?? '',
      timeoutMs: deps.config.gitIntegration.operations.networkTimeoutMs,
    });
  }

  const remote = outcome.head
    ? { branch: request.branch, head_commit: outcome.head, ahead_count: 0, computed_at: new Date().toISOString() }
    : await measureRemote(repo, prefix, integration.lastSyncedBranch ?? integration.defaultBranch, integration.lastSyncedCommit);
  const result = {
    commit_sha: outcome.commit,
    head_commit: outcome.head,
    branch: request.branch,
    branch_created: outcome.created,
    changes: outcome.changes,
    pull_request: pullRequest,
    push_attempts: outcome.attempt,
    remote,
  };
  await deps.prisma.$transaction(async (tx) => {
    if (outcome.head) {
      const live = pipelines.filter((p) => !p.deleted);
      await upsertSyncStates(
        tx,
        op.teamId,
        outcome.head,
        live.map((p) => ({ ...p, path: pipelinePath(prefix, p.id), blobSha: blobSha(writes.get(pipelinePath(prefix, p.id))!) })),
      );
      await deleteSyncStates(tx, op.teamId, pipelines.filter((p) => p.deleted).map((p) => p.id));
      await recordSync(tx, op.teamId, outcome.head, request.branch);
    }
    await finishOperation(tx, op.id, { status: 'succeeded', result });
  });
}

/** Which files the push changes relative to `parent` (for the operation's result). */
async function diffAgainst(repo: GitRepository, parent: string | null, prefix: string, writes: Map<string, string>, removes: string[], maxEntries: number) {
  const current = new Map<string, string>();
  if (parent) for (const entry of await repo.listTree(parent, prefix, { sizes: false, maxEntries })) current.set(entry.path, entry.sha);
  const added: string[] = [];
  const modified: string[] = [];
  for (const [path, content] of writes) {
    const sha = current.get(path);
    if (!sha) added.push(path);
    else if (sha !== blobSha(content)) modified.push(path);
  }
  const removed = removes.filter((path) => current.has(path));
  return { added, modified, removed, unchanged: writes.size - added.length - modified.length };
}
