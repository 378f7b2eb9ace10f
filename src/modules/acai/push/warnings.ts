import type { SqlRunner } from '../domain/inheritance.js';
import { parseAcid } from '../domain/acid.js';
import type { PushPlan } from './plan.js';

// Non-fatal findings of a push (push.RESPONSE.4), as sentences; at most MAX_WARNINGS and a count of the rest.

export const MAX_WARNINGS = 50;
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
 * Refs to ACIDs that no spec on the branch defines (kept anyway, REFS.3 / WRITE_REFS.2) and refs
 * to deprecated requirements. Reads the branch's specs after this push wrote its own, in one
 * statement that returns only the referenced requirements.
 */
export async function refWarnings(db: SqlRunner, branchId: string, plan: PushPlan): Promise<string[]> {
  if (plan.refs.size === 0) return [];
  const acids = [...plan.refs.values()].flatMap((bucket) => Object.keys(bucket));
  const rows = await db.$queryRaw<{ acid: string; deprecated: boolean }[]>`
    SELECT r.key AS acid, bool_or(r.value -> 'is_deprecated' = 'true'::jsonb OR r.value -> 'deprecated' = 'true'::jsonb) AS deprecated
      FROM specs s
     CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(s.requirements) = 'object' THEN s.requirements ELSE '{}'::jsonb END) r
     WHERE s.branch_id = ${branchId}::uuid AND s.feature_name = ANY(${[...plan.refs.keys()]}::text[]) AND r.key = ANY(${acids}::text[])
     GROUP BY r.key`;
  const defined = new Map(rows.map((row) => [row.acid, row.deprecated]));
  const warnings: string[] = [];
  for (const acid of acids) {
    const deprecated = defined.get(acid);
    if (deprecated === undefined) warnings.push(`Refs to ${acid} were stored, but no spec on branch '${plan.branchName}' defines that requirement`);
    else if (deprecated) warnings.push(`Refs to ${acid} point at a deprecated requirement`);
  }
  return warnings;
}

export function capWarnings(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS), `... and ${warnings.length - MAX_WARNINGS} more warnings`];
}
