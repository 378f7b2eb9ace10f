import { resolveImplementation, type SqlRunner } from '../domain/inheritance.js';
import { DONE_STATUSES, readState } from '../states/status.js';
import { byCodepoint } from './requirement.js';
import { loadCanonicalSpecs, loadRefCounts, loadResolvedStates } from './resolution.js';

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
export async function readImplementationFeatures(db: SqlRunner, teamId: string, query: WorklistQuery) {
  const context = await resolveImplementation(db, teamId, query.productName, query.implementationName);
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
