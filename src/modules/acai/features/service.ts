import { isObject } from '../../../lib/is-object.js';
import { byCodepoint } from '../../../lib/text.js';
import type { Sql } from '../../../db/handles.js';
import { featureNotFound, sourceKind, sourceName } from '../domain/inheritance.js';
import { readRequirement, type RequirementView } from '../domain/requirement.js';
import { DONE_STATUSES, readState, type StateView } from '../domain/state.js';
import { loadImplementationChain } from '../implementations/service.js';
import { loadCanonicalSpecs, loadRefCounts, loadResolvedRefs, loadResolvedStates, type ResolvedRefs } from './store.js';

// The two reads over one implementation's resolved features: the worklist and one feature's context.

export interface WorklistQuery {
  productName: string;
  implementationName: string;
  statuses: Set<string | null> | undefined;
  changedSinceCommit: string | undefined;
}

/**
 * GET /implementation-features: one summary entry per feature that resolves for the
 * implementation, each from its canonical spec, resolved states and resolved refs.
 */
export async function readImplementationFeatures(db: Sql, teamId: string, query: WorklistQuery) {
  const context = await loadImplementationChain(db, teamId, query.productName, query.implementationName);
  const specs = [...(await loadCanonicalSpecs(db, context)).values()].filter(
    (spec) => query.changedSinceCommit === undefined || spec.lastSeenCommit !== query.changedSinceCommit,
  );
  const names = specs.map((spec) => spec.featureName);
  const [statesByFeature, refCounts] =
    names.length === 0 ? [new Map(), new Map()] : await Promise.all([loadResolvedStates(db, context, names), loadRefCounts(db, context, names)]);

  const features = [];
  for (const spec of specs) {
    const states = statesByFeature.get(spec.featureName);
    const statuses = Object.keys(spec.requirements).map((acid) => readState(states?.states[acid]).status);
    if (query.statuses && !statuses.some((status) => query.statuses!.has(status))) continue;
    const refs = refCounts.get(spec.featureName);
    features.push({
      feature_name: spec.featureName,
      description: spec.description,
      completed_count: statuses.filter((status) => status !== null && DONE_STATUSES.has(status)).length,
      total_count: statuses.length,
      refs_count: refs?.refs ?? 0,
      test_refs_count: refs?.testRefs ?? 0,
      has_local_spec: spec.depth === 0,
      has_local_states: states?.depth === 0,
      spec_last_seen_commit: spec.lastSeenCommit,
      states_inherited: states !== undefined && states.depth > 0,
      refs_inherited: refs !== undefined && refs.depth > 0,
    });
  }
  features.sort((a, b) => byCodepoint(a.feature_name, b.feature_name));

  return {
    product_name: context.product.name,
    implementation_name: context.implementation.name,
    implementation_id: context.implementation.id,
    features,
  };
}

export interface FeatureContextQuery {
  productName: string;
  featureName: string;
  implementationName: string;
  includeRefs: boolean;
  includeDanglingStates: boolean;
  includeDeprecated: boolean;
  statuses: Set<string | null> | undefined;
}

interface RefView {
  path: string;
  is_test: boolean;
  repo_uri: string;
  branch_name: string;
}

interface AcidView extends RequirementView {
  acid: string;
  state: StateView;
  refs_count: number;
  test_refs_count: number;
  refs?: RefView[];
}

/** GET /feature-context: the canonical spec of one feature with resolved states and refs. */
export async function readFeatureContext(db: Sql, teamId: string, query: FeatureContextQuery) {
  const context = await loadImplementationChain(db, teamId, query.productName, query.implementationName);
  const spec = (await loadCanonicalSpecs(db, context, query.featureName)).get(query.featureName);
  if (!spec) throw featureNotFound(context, query.featureName);

  const [statesByFeature, refs] = await Promise.all([
    loadResolvedStates(db, context, query.featureName),
    loadResolvedRefs(db, context, query.featureName),
  ]);
  const states = statesByFeature.get(query.featureName);
  const storedStates = states?.states ?? {};
  const refsByAcid = indexRefs(refs);

  const acids: AcidView[] = [];
  for (const [acid, stored] of Object.entries(spec.requirements)) {
    const requirement = readRequirement(stored);
    if (requirement.deprecated && !query.includeDeprecated) continue;
    const state = readState(storedStates[acid]);
    if (query.statuses && !query.statuses.has(state.status)) continue;
    const acidRefs = refsByAcid.get(acid) ?? [];
    acids.push({
      acid,
      ...requirement,
      state,
      refs_count: acidRefs.length,
      test_refs_count: acidRefs.filter((r) => r.is_test).length,
      ...(query.includeRefs ? { refs: acidRefs } : {}),
    });
  }
  acids.sort((a, b) => byCodepoint(a.acid, b.acid));

  const dangling = Object.keys(storedStates)
    .filter((acid) => !(acid in spec.requirements))
    .sort(byCodepoint)
    .map((acid) => ({ acid, state: readState(storedStates[acid]) }));

  return {
    product_name: context.product.name,
    feature_name: spec.featureName,
    implementation_name: context.implementation.name,
    implementation_id: context.implementation.id,
    spec_source: {
      source_type: sourceKind(spec.depth),
      implementation_name: sourceName(context, spec.depth),
      branch_names: spec.branchNames,
    },
    states_source: states
      ? { source_type: sourceKind(states.depth), implementation_name: sourceName(context, states.depth) }
      : { source_type: 'none' as const },
    refs_source: refs
      ? {
          source_type: sourceKind(refs.depth),
          implementation_name: sourceName(context, refs.depth),
          branch_names: [...new Set(refs.buckets.map((b) => b.branchName))].sort(byCodepoint),
        }
      : { source_type: 'none' as const, branch_names: [] },
    summary: summarize(acids),
    acids,
    ...(query.includeDanglingStates ? { dangling_states: dangling } : {}),
    warnings: danglingWarnings(dangling.length, query.includeDanglingStates),
  };
}

/** Every ref of the resolved buckets, per ACID, tagged with the branch it came from. */
function indexRefs(refs: ResolvedRefs | null): Map<string, RefView[]> {
  const byAcid = new Map<string, RefView[]>();
  for (const bucket of refs?.buckets ?? []) {
    for (const [acid, list] of Object.entries(bucket.refs)) {
      if (!Array.isArray(list)) continue;
      const views = byAcid.get(acid) ?? [];
      for (const ref of list) {
        if (!isObject(ref) || typeof ref.path !== 'string') continue;
        views.push({ path: ref.path, is_test: ref.is_test === true, repo_uri: bucket.repoUri, branch_name: bucket.branchName });
      }
      byAcid.set(acid, views);
    }
  }
  return byAcid;
}

/** Counts of the returned ACIDs by resolved status; no status counts under "null". */
function summarize(acids: AcidView[]) {
  const statusCounts: Record<string, number> = {};
  for (const { state } of acids) {
    const key = state.status ?? 'null';
    statusCounts[key] = (statusCounts[key] ?? 0) + 1;
  }
  return { total_acids: acids.length, status_counts: statusCounts };
}

function danglingWarnings(count: number, listed: boolean): string[] {
  if (count === 0) return [];
  const what = `${count} stored state${count === 1 ? '' : 's'} ${count === 1 ? 'has' : 'have'} no matching requirement in the resolved spec (dangling)`;
  return [listed ? `${what}; see dangling_states` : `${what}; pass include_dangling_states=true to list them`];
}
