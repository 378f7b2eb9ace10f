import { sameContent, type PipelineContent } from '../pipeline-files.js';

// The pull's decision, per pipeline, between three versions: the app's current
// one, the file at the branch head (git), and the last synced one (base, from
// pipeline_sync_states). Pure: the caller reads the inputs and applies the plan.
//
//   changed only in git           -> applied to the app
//   changed only in the app       -> kept (it is "local ahead" until pushed)
//   changed on both, differently  -> conflict: nothing applied, unless the strategy
//                                    is `theirs` (take git) or `ours` (keep the app;
//                                    the base moves to git's version so the app's
//                                    version is what the next push sends)
//   new file in git               -> pipeline created
//   file removed in git           -> pipeline soft-deleted if unchanged in the app

export type Strategy = 'merge' | 'theirs' | 'ours';
export type Change = 'added' | 'modified' | 'deleted';

export interface AppPipeline extends PipelineContent {
  deleted: boolean;
  base: PipelineContent | null;
}

export interface GitPipeline extends PipelineContent {
  path: string;
  blobSha: string;
}

export interface MergeConflict {
  pipeline_id: string;
  path: string;
  app_change: Change;
  git_change: Change;
  app: PipelineContent | null;
  git: PipelineContent | null;
  resolution: 'theirs' | 'ours' | null;
}

export interface MergePlan {
  create: (GitPipeline & { id: string })[];
  /** Content from git written over the app's pipeline (also restores a soft-deleted one). */
  update: (GitPipeline & { id: string })[];
  softDelete: string[];
  /** New base = git's version. */
  syncUpsert: (GitPipeline & { id: string })[];
  syncDelete: string[];
  conflicts: MergeConflict[];
  keptLocal: string[];
  unchanged: number;
}

export function planMerge(
  app: Map<string, AppPipeline>,
  git: Map<string, GitPipeline>,
  strategy: Strategy,
  pathOf: (id: string) => string,
): MergePlan {
  const plan: MergePlan = { create: [], update: [], softDelete: [], syncUpsert: [], syncDelete: [], conflicts: [], keptLocal: [], unchanged: 0 };
  const ids = new Set([...git.keys(), ...[...app.entries()].filter(([, a]) => a.base).map(([id]) => id)]);

  for (const id of [...ids].sort()) {
    const a = app.get(id);
    const g = git.get(id);
    const base = a?.base ?? null;
    const conflictOf = (appChange: Change, gitChange: Change): MergeConflict => ({
      pipeline_id: id,
      path: g?.path ?? pathOf(id),
      app_change: appChange,
      git_change: gitChange,
      app: a && !a.deleted ? { name: a.name, definition: a.definition } : null,
      git: g ? { name: g.name, definition: g.definition } : null,
      resolution: strategy === 'merge' ? null : strategy,
    });

    if (g && !a) {
      plan.create.push({ id, ...g });
      plan.syncUpsert.push({ id, ...g });
    } else if (g && a && !a.deleted) {
      if (base && sameContent(g, base)) {
        if (!sameContent(a, base)) plan.keptLocal.push(id);
        else plan.unchanged++;
        plan.syncUpsert.push({ id, ...g });
      } else if (sameContent(a, g)) {
        plan.unchanged++;
        plan.syncUpsert.push({ id, ...g });
      } else if (base && sameContent(a, base)) {
        plan.update.push({ id, ...g });
        plan.syncUpsert.push({ id, ...g });
      } else {
        plan.conflicts.push(conflictOf(base ? 'modified' : 'added', base ? 'modified' : 'added'));
        if (strategy === 'theirs') plan.update.push({ id, ...g });
        if (strategy !== 'merge') plan.syncUpsert.push({ id, ...g });
      }
    } else if (g && a && a.deleted) {
      if (base && sameContent(g, base)) {
        plan.keptLocal.push(id);
      } else {
        plan.conflicts.push(conflictOf('deleted', base ? 'modified' : 'added'));
        if (strategy === 'theirs') plan.update.push({ id, ...g });
        if (strategy !== 'merge') plan.syncUpsert.push({ id, ...g });
      }
    } else if (!g && a && base) {
      if (a.deleted) {
        plan.syncDelete.push(id);
      } else if (sameContent(a, base)) {
        plan.softDelete.push(id);
        plan.syncDelete.push(id);
      } else {
        plan.conflicts.push(conflictOf('modified', 'deleted'));
        if (strategy === 'theirs') plan.softDelete.push(id);
        if (strategy !== 'merge') plan.syncDelete.push(id);
      }
    }
  }
  return plan;
}
