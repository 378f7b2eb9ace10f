import { uuidv7 } from '../../../lib/ids.js';
import { chainCteText } from '../implementations/store.js';
import type { PushPlan } from './plan.js';
import type { PushStatement } from './store.js';

// The first statement after the branch lock (push round trip 2 of 3): the branch get-or-create
// and everything the rest of the push decides on, read in one statement, so that which
// implementation the push belongs to (implementation.ts) and its warnings (warnings.ts) are
// known before the one statement that writes (write.ts).

export interface Named {
  id: string;
  name: string;
}

/** A referenced requirement defined on a branch in scope, at its distance from the pushed branch. */
export interface DefinitionRow {
  /** The implementation whose chain found it; null for the pushed branch itself. */
  candidate: string | null;
  acid: string;
  deprecated: boolean;
}

export interface PushContext {
  branch: { id: string; written: boolean };
  /** The pushed product, matched case-insensitively, an exact spelling first. */
  product: Named | null;
  /** Implementations tracking the branch (in the pushed product, when one is named). */
  tracked: (Named & { product_id: string; product_name: string; parent_name: string | null })[];
  /** The implementation named `target_impl_name`, or the branch name without one: the name a new implementation would take. */
  named: (Named & { tracks_repo: boolean }) | null;
  parent: Named | null;
  /**
   * Definitions of the referenced ACIDs: on the pushed branch (any product) minus the specs this
   * push overwrites, and, per candidate implementation (tracked, named, parent), on the other
   * branches tracked by it or its ancestors in its product, the nearest one per ACID.
   */
  definitions: DefinitionRow[];
}

/**
 * The statement: upserts the branch, recording the pushed commit (REQUEST.3-note; an unchanged row
 * is not rewritten), and reads the implementation context and the ref definitions. It runs after
 * the lock in its own statement, so it sees what an earlier push to this branch committed.
 */
export function contextStatement(teamId: string, plan: PushPlan, now: Date): PushStatement {
  const acids = [...plan.refs.values()].flatMap((bucket) => Object.keys(bucket));
  const doc = {
    team: teamId,
    branch_id: uuidv7(),
    repo: plan.repoUri,
    branch: plan.branchName,
    commit: plan.commitHash,
    now: now.toISOString(),
    product: plan.productName,
    named: plan.targetImplName ?? plan.branchName,
    parent: plan.parentImplName,
    spec_features: plan.specs.map((spec) => spec.feature_name),
    ref_features: [...plan.refs.keys()],
    acids,
  };
  return { name: 'acai_push_context', text: CONTEXT, value: doc };
}

const CONTEXT = `
    WITH RECURSIVE p AS (SELECT $1::jsonb AS d),
    input AS (
      SELECT (d->>'team')::uuid AS team, d->>'repo' AS repo, d->>'branch' AS branch, d->>'product' AS product,
             d->>'named' AS named, d->>'parent' AS parent, (d->>'now')::timestamptz AS now, d
        FROM p
    ), upserted AS (
      INSERT INTO branches AS b (id, team_id, repo_uri, branch_name, last_seen_commit, created_at, updated_at)
      SELECT (d->>'branch_id')::uuid, team, repo, branch, d->>'commit', now, now FROM input
      ON CONFLICT (team_id, repo_uri, branch_name) DO UPDATE
         SET last_seen_commit = EXCLUDED.last_seen_commit, updated_at = EXCLUDED.updated_at
       WHERE b.last_seen_commit IS DISTINCT FROM EXCLUDED.last_seen_commit
      RETURNING id
    ), branch AS (
      SELECT id, true AS written FROM upserted
      UNION ALL
      SELECT b.id, false FROM branches b, input WHERE b.team_id = input.team AND b.repo_uri = input.repo AND b.branch_name = input.branch
      LIMIT 1
    ), prod AS (
      SELECT pr.id, pr.name FROM products pr, input
       WHERE pr.team_id = input.team AND lower(pr.name) = lower(input.product)
       ORDER BY (pr.name = input.product) DESC, pr.id LIMIT 1
    ), tracked AS (
      SELECT i.id, i.name, pr.id AS product_id, pr.name AS product_name, par.name AS parent_name
        FROM tracked_branches tb
        JOIN implementations i ON i.id = tb.implementation_id AND i.team_id = (SELECT team FROM input)
        JOIN products pr ON pr.id = i.product_id
        LEFT JOIN implementations par ON par.id = i.parent_implementation_id
       WHERE tb.branch_id = (SELECT id FROM branch)
         AND ((SELECT product FROM input) IS NULL OR i.product_id = (SELECT id FROM prod))
    ), named AS (
      SELECT i.id, i.name, EXISTS (SELECT 1 FROM tracked_branches t WHERE t.implementation_id = i.id AND t.repo_uri = input.repo) AS tracks_repo
        FROM implementations i, input
       WHERE i.product_id = (SELECT id FROM prod) AND lower(i.name) = lower(input.named)
       ORDER BY (i.name = input.named) DESC LIMIT 1
    ), parent AS (
      SELECT i.id, i.name FROM implementations i, input
       WHERE i.product_id = (SELECT id FROM prod) AND lower(i.name) = lower(input.parent)
       ORDER BY (i.name = input.parent) DESC LIMIT 1
    ), acids AS (
      SELECT DISTINCT jsonb_array_elements_text(d->'acids') AS acid FROM p
    ), ref_features AS (
      SELECT DISTINCT jsonb_array_elements_text(d->'ref_features') AS name FROM p
    ), ${chainCteText(`SELECT id FROM (SELECT id FROM tracked UNION SELECT id FROM named UNION SELECT id FROM parent) candidates
                          WHERE EXISTS (SELECT 1 FROM acids)`)},
    scope AS (
      -- The pushed branch, in any product (refs are product-blind), without the rows this push
      -- overwrites: their pushed content is added in warnings.ts. Its own entries in a chain are
      -- left out, as the pushed branch comes first anyway.
      SELECT s.feature_name, s.requirements, NULL::uuid AS candidate, -1 AS depth
        FROM specs s
       WHERE s.branch_id = (SELECT id FROM branch)
         AND NOT coalesce(s.product_id = (SELECT id FROM prod) AND s.feature_name IN (SELECT jsonb_array_elements_text(d->'spec_features') FROM p), false)
      UNION ALL
      SELECT s.feature_name, s.requirements, c.root_id AS candidate, c.depth
        FROM chain c
        JOIN tracked_branches tb ON tb.implementation_id = c.impl_id AND tb.branch_id <> (SELECT id FROM branch)
        JOIN specs s ON s.branch_id = tb.branch_id AND s.product_id = c.product_id
    ), definitions AS (
      SELECT DISTINCT ON (scope.candidate, r.key) scope.candidate, r.key AS acid,
             coalesce(r.value -> 'is_deprecated' = 'true'::jsonb OR r.value -> 'deprecated' = 'true'::jsonb, false) AS deprecated
        FROM scope
       CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(scope.requirements) = 'object' THEN scope.requirements ELSE '{}'::jsonb END) r
       WHERE scope.feature_name IN (SELECT name FROM ref_features) AND r.key IN (SELECT acid FROM acids)
       ORDER BY scope.candidate, r.key, scope.depth
    )
    SELECT (SELECT json_build_object('id', id, 'written', written) FROM branch) AS branch,
           (SELECT json_build_object('id', id, 'name', name) FROM prod) AS product,
           (SELECT coalesce(json_agg(tracked ORDER BY name), '[]'::json) FROM tracked) AS tracked,
           (SELECT row_to_json(named) FROM named) AS named,
           (SELECT row_to_json(parent) FROM parent) AS parent,
           (SELECT coalesce(json_agg(definitions), '[]'::json) FROM definitions) AS definitions`;
