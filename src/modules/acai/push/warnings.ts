import type { DefinitionRow } from './context.js';
import { parseAcid } from '../domain/acid.js';
import type { PushPlan } from './plan.js';

// Non-fatal findings of a push (push.RESPONSE.4), as sentences; at most MAX_WARNINGS and a count of the rest.

const MAX_WARNINGS = 50;
const FULL_SHA = /^[0-9a-f]{40}$/i;

/** Commit hashes that are not full SHAs (the CLI sends `git rev-parse HEAD`). */
export function commitWarnings(plan: PushPlan): string[] {
  const warnings: string[] = [];
  if (!FULL_SHA.test(plan.commitHash)) warnings.push(`commit_hash '${plan.commitHash}' is not a full 40-character git SHA`);
  for (const spec of plan.specs) {
    if (!FULL_SHA.test(spec.last_seen_commit)) {
      warnings.push(`meta.last_seen_commit '${spec.last_seen_commit}' of feature '${spec.feature_name}' is not a full 40-character git SHA`);
    }
  }
  return warnings;
}

/**
 * Requirement keys that are not ACIDs of their own feature (`<feature>.<GROUP>.<N>`): they are
 * stored as sent, but refs and states of that feature will never match them.
 */
export function requirementWarnings(plan: PushPlan): string[] {
  const warnings: string[] = [];
  for (const spec of plan.specs) {
    for (const key of Object.keys(spec.requirements)) {
      if (parseAcid(key)?.featureName !== spec.feature_name) {
        warnings.push(`Requirement key '${key}' of feature '${spec.feature_name}' is not an ACID of the form ${spec.feature_name}.<GROUP>.<N>`);
      }
    }
  }
  return warnings;
}

/**
 * Refs to ACIDs that no spec defines (kept anyway, REFS.3 / WRITE_REFS.2) and refs to deprecated
 * requirements. A definition counts when it is on the pushed branch or, once the push has an
 * implementation, on a branch tracked by it or by one of its ancestors in its product: a backend
 * repo's refs to a spec kept in the frontend repo are not dangling (data-model.INHERITANCE.9).
 * The nearest definition decides, and this push's own specs count as written: the context read
 * (context.ts) left out the stored rows they overwrite, so their pushed content stands in here.
 */
export function refWarnings(plan: PushPlan, definitions: DefinitionRow[], chainOf: string | null, implementationName: string | null): string[] {
  if (plan.refs.size === 0) return [];
  const acids = [...plan.refs.values()].flatMap((bucket) => Object.keys(bucket));
  const referenced = new Set(acids);
  const onBranch = new Map<string, boolean>();
  for (const spec of plan.specs) {
    if (!plan.refs.has(spec.feature_name)) continue;
    for (const [key, requirement] of Object.entries(spec.requirements)) {
      if (referenced.has(key) && !onBranch.has(key)) onBranch.set(key, requirement.is_deprecated);
    }
  }
  const inherited = new Map<string, boolean>();
  for (const row of definitions) {
    if (row.candidate === null) {
      if (!onBranch.has(row.acid)) onBranch.set(row.acid, row.deprecated);
    } else if (row.candidate === chainOf) inherited.set(row.acid, row.deprecated);
  }
  const where = implementationName !== null
    ? `on branch '${plan.branchName}' or on the branches of implementation '${implementationName}' and its parents`
    : `on branch '${plan.branchName}'`;
  const warnings: string[] = [];
  for (const acid of acids) {
    const deprecated = onBranch.get(acid) ?? inherited.get(acid);
    if (deprecated === undefined) warnings.push(`Refs to ${acid} were stored, but no spec ${where} defines that requirement`);
    else if (deprecated) warnings.push(`Refs to ${acid} point at a deprecated requirement`);
  }
  return warnings;
}

export function capWarnings(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS), `... and ${warnings.length - MAX_WARNINGS} more warnings`];
}
