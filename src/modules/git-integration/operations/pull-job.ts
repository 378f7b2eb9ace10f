import { conflict } from '../../../lib/errors.js';
import type { GitRepository } from '../../../lib/git/repository.js';
import { byCodepoint } from '../../../lib/text.js';
import { normalisePrefix, openTeamRepository, requireIntegration, requireTeamRemote, resolveGitAuth, type GitDeps } from '../git-context.js';
import { withIntegrationGitAuth } from '../ssh-keys/host-keys.js';
import { idFromPath, pipelineFileParser, pipelinePath, sameContent, type PipelineContent, type SkipReason } from '../pipeline-files.js';
import { applyPipelineChanges, lockPipelinesWithBases } from '../../pipelines/pipelines/store.js';
import { recordSync } from '../settings/store.js';
import type { PullPayload } from './payloads.js';
import { deleteSyncStates, finishOperation, loadOperation, TERMINAL, upsertSyncStates, type OperationRow } from './store.js';
import { measureRemote } from './remote-state.js';
import { planMerge, type AppPipeline, type GitPipeline } from './three-way-merge.js';

// Pull: read the pipeline files at the branch head, merge them three-way into the
// app (see three-way-merge.ts) and record the new bases, all in ONE database
// transaction after the git work is done. A retried pull either finds its
// operation finished (the transaction committed) or starts over (it did not).

interface Skipped {
  path: string;
  reason: SkipReason;
  detail: string;
}

/**
 * The valid pipeline files at `head`, the skipped ones with their reason, and `held`: the ids of
 * pipelines whose path holds something unreadable (an invalid or too large file, a symlink, a
 * submodule, a directory). A held pipeline is left as it is in the app (never soft-deleted because
 * its file became unreadable) until its file is valid again.
 */
async function readGitPipelines(repo: GitRepository, head: string, prefix: string, limits: PullLimits, parse: ReturnType<typeof pipelineFileParser>) {
  const skipped: Skipped[] = [];
  const held = new Set<string>();
  const candidates = new Map<string, { id: string; path: string }[]>();
  const sizes = new Map<string, number | null>();
  for (const entry of await repo.listTree(head, prefix, { maxEntries: limits.maxTreeEntries })) {
    const id = idFromPath(prefix, entry.path);
    const skip = (reason: SkipReason, detail: string) => {
      skipped.push({ path: entry.path, reason, detail });
      const pathId = id ?? idOfDirectory(prefix, entry.path);
      if (pathId !== null) held.add(pathId);
    };
    if (entry.mode === '120000') skip('symlink', 'symbolic links are never followed');
    else if (entry.type === 'commit') skip('submodule', 'submodules are ignored');
    else if (id === null) skip('not_a_pipeline_file', `expected ${prefix}<pipeline id>.json`);
    else if ((entry.size ?? 0) > limits.maxFileBytes) skip('too_large', `${entry.size} bytes > ${limits.maxFileBytes}`);
    else {
      candidates.set(entry.sha, [...(candidates.get(entry.sha) ?? []), { id, path: entry.path }]);
      sizes.set(entry.sha, entry.size);
    }
  }
  const files = new Map<string, GitPipeline>();
  // Parsed as each batch arrives: only the parsed pipelines stay in memory, not every file's bytes.
  await repo.readBlobs([...sizes].map(([sha, size]) => ({ sha, size })), (sha, bytes) => {
    for (const candidate of candidates.get(sha) ?? []) {
      const parsed = parse(candidate.id, bytes);
      if (parsed.ok) files.set(parsed.id, { ...parsed.content, path: candidate.path, blobSha: sha });
      else {
        skipped.push({ path: candidate.path, reason: parsed.reason, detail: parsed.detail });
        held.add(candidate.id);
      }
    }
  });
  return { files, skipped, held };
}

interface PullLimits {
  maxFileBytes: number;
  maxTreeEntries: number;
  maxReportedSkips: number;
}

/** The pipeline id of a directory's path (`<prefix><id>.json/...`): such a directory stands where the file should be. */
function idOfDirectory(prefix: string, path: string): string | null {
  const slash = path.indexOf('/', prefix.length);
  return slash === -1 ? null : idFromPath(prefix, path.slice(0, slash));
}

/**
 * The skipped files as the result reports them: the first `max` by path, and counts per reason.
 * Sorted by code unit (localeCompare costs seconds on a long list), the whole list counted.
 */
function skippedReport(skipped: Skipped[], max: number) {
  const byReason: Partial<Record<SkipReason, number>> = {};
  for (const s of skipped) byReason[s.reason] = (byReason[s.reason] ?? 0) + 1;
  const listed = skipped.sort((a, b) => byCodepoint(a.path, b.path)).slice(0, max);
  return { skipped: listed, skipped_total: skipped.length, skipped_by_reason: byReason };
}

export async function runPull(deps: GitDeps, op: OperationRow, request: PullPayload): Promise<void> {
  const integration = await requireIntegration(deps, op.teamId);
  const prefix = normalisePrefix(integration.pathPrefix);
  const target = await requireTeamRemote(deps, integration); // before any credential is prepared
  const auth = await resolveGitAuth(deps, integration);
  const repo = await openTeamRepository(deps.config, integration);
  await withIntegrationGitAuth(deps.prisma, integration, auth.git, target, (prepared) => repo.fetch(prepared));
  const head = await repo.remoteBranch(request.branch);
  if (!head) throw conflict(`Branch "${request.branch}" does not exist on the remote`);
  const parse = pipelineFileParser(deps.config.pipelines);
  const { files, skipped, held } = await readGitPipelines(repo, head, prefix, deps.config.gitIntegration.operations, parse);
  const remote = request.dry_run
    ? await measureRemote(repo, prefix, integration.lastSyncedBranch ?? integration.defaultBranch, integration.lastSyncedCommit)
    : { branch: request.branch, head_commit: head, ahead_count: 0, computed_at: new Date().toISOString() };

  return deps.prisma.$transaction(
    async (tx) => {
      const current = await loadOperation(tx, op.id);
      if (!current || TERMINAL.includes(current.status)) return;

      const rows = await lockPipelinesWithBases(tx, op.teamId);
      const app = new Map<string, AppPipeline>(
        rows
          .filter((r) => !held.has(r.id))
          .map((r) => [
            r.id,
            { name: r.name, definition: r.definition, deleted: r.deleted, base: r.base_name !== null ? { name: r.base_name, definition: r.base_definition! } : null },
          ]),
      );
      // Pipeline ids are unique per team (primary key team_id, id): a file may name any id,
      // and nothing here looks at, or depends on, the pipelines of other teams.
      const plan = planMerge(app, files, request.strategy, (id) => pipelinePath(prefix, id));
      const ids = (list: { id: string }[]) => list.map((p) => p.id);
      const unresolved = request.strategy === 'merge' && plan.conflicts.length > 0;
      if (!request.dry_run) {
        await applyPipelineChanges(tx, op.teamId, { create: plan.create, update: plan.update, softDelete: plan.softDelete });
        // synced_version lets GET /status skip comparing contents of untouched pipelines; 0 (no such
        // version) marks a base the app's pipeline differs from (ours, kept local changes).
        const written = new Set([...ids(plan.create), ...ids(plan.update)]);
        const matches = (p: { id: string } & PipelineContent) => {
          const a = app.get(p.id);
          return written.has(p.id) || (a !== undefined && !a.deleted && sameContent(a, p));
        };
        await upsertSyncStates(tx, op.teamId, head, plan.syncUpsert.map((p) => ({ ...p, version: matches(p) ? null : 0 })));
        await deleteSyncStates(tx, op.teamId, plan.syncDelete);
        await recordSync(tx, op.teamId, head, request.branch);
      }
      await finishOperation(tx, op.id, {
        status: unresolved ? 'conflict' : 'succeeded',
        error: unresolved ? `${plan.conflicts.length} pipeline(s) changed both in the app and in git; nothing was applied for them` : null,
        result: {
          head_commit: head,
          branch: request.branch,
          strategy: request.strategy,
          dry_run: request.dry_run,
          created: ids(plan.create),
          updated: ids(plan.update),
          deleted: plan.softDelete,
          kept_local: plan.keptLocal,
          unchanged: plan.unchanged,
          conflicts: plan.conflicts,
          ...skippedReport(skipped, deps.config.gitIntegration.operations.maxReportedSkips),
          remote,
        },
      });
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}
