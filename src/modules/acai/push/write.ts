import { uuidv7 } from '../../../lib/ids.js';
import type { PushPlan } from './plan.js';
import type { PushStatement } from './store.js';

// The one statement that writes a push (round trip 3 of 3, sent with COMMIT): product,
// implementation and branch link as implementation.ts decided, all specs, all ref buckets, the
// team's data version and the replay of this push. Its values travel as one JSON document
// (see literal.ts); the number of statements does not depend on the number of specs or refs.

export interface WriteInput {
  teamId: string;
  branchId: string;
  plan: PushPlan;
  now: Date;
  /** A product to create (NEW_IMPLS.3): its id and exact name. */
  newProduct: { id: string; name: string } | null;
  /** The product of the pushed specs, when it exists already. */
  productId: string | null;
  /** An implementation to create in that product. */
  newImplementation: { id: string; name: string; parentId: string | null } | null;
  /** The implementation to link the branch to (the created one, or an existing one). */
  linkId: string | null;
  /** Whether this push has written already (the branch row) or certainly writes (a link). */
  wroteBefore: boolean;
  digest: Buffer;
  /** The raw body's digest (raw-replay.ts), stored with the replay; null when the body was not digested. */
  rawDigest: Buffer | null;
  /** The version findReplay saw before the transaction began. */
  seenVersion: string;
  /** What an identical push answers once this one has committed. */
  replay: unknown;
}

/** Names of the unique constraints a concurrent push can make this statement break (see service.ts). */
export const IMPLEMENTATION_NAME_TAKEN = 'implementations_product_id_name_key';
export const REPOSITORY_TRACKED = 'tracked_branches_implementation_id_repo_uri_key';

/**
 * Specs (INSERT_SPEC, UPDATE_SPEC): a new (branch, product, feature) inserts, an existing one is
 * overwritten whole (UPDATE_SPEC.3) keeping its id (SPEC_IDENTITY.1), and an unchanged one is not
 * touched (IDEMPOTENCY.1). Refs (WRITE_REFS.1): every touched (branch, feature) bucket, whether
 * or not a spec or an implementation exists (REFS.3, WRITE_REFS.2-3); without override incoming
 * ACID keys replace theirs and the others stay (REFS.5), with override the bucket is replaced
 * (REFS.6); a bucket whose refs and commit would not change is left alone.
 *
 * The team's data version moves when any row changed, and the replay is stored at the new
 * version only when no other write landed since findReplay (the version moved by exactly this
 * push's own bump, or not at all): every answer of this push was then computed on the data of
 * that version. A write committing later bumps the version again, which retires the replay.
 *
 * Rows: the numbers of specs created and updated.
 */
export function writeStatement(input: WriteInput): PushStatement {
  const { plan } = input;
  const doc = {
    team: input.teamId,
    branch: input.branchId,
    repo: plan.repoUri,
    commit: plan.commitHash,
    now: input.now.toISOString(),
    new_product: input.newProduct,
    product: input.productId,
    new_impl: input.newImplementation,
    link: input.linkId,
    wrote_before: input.wroteBefore,
    specs: plan.specs.map((spec) => ({ id: uuidv7(), ...spec })),
    refs: [...plan.refs].map(([feature_name, refs]) => ({ id: uuidv7(), feature_name, refs })),
    override: plan.override,
    digest: input.digest.toString('hex'),
    raw_digest: input.rawDigest?.toString('hex') ?? null,
    seen_version: input.seenVersion,
    replay: input.replay,
  };
  return { name: 'acai_push_write', text: WRITE, value: doc };
}

const WRITE = `
    WITH p AS (
      SELECT d, (d->>'team')::uuid AS team, (d->>'branch')::uuid AS branch, (d->>'now')::timestamptz AS now, (d->>'override')::boolean AS override
        FROM (SELECT $1::jsonb AS d) doc
    ), new_product AS (
      -- A product created since the context read is taken as it is (DO UPDATE returns it).
      INSERT INTO products AS pr (id, team_id, name, created_at, updated_at)
      SELECT (d->'new_product'->>'id')::uuid, team, d->'new_product'->>'name', now, now FROM p WHERE jsonb_typeof(d->'new_product') = 'object'
      ON CONFLICT (team_id, name) DO UPDATE SET name = pr.name
      RETURNING id
    ), product AS (
      SELECT coalesce((SELECT id FROM new_product), (d->>'product')::uuid) AS id FROM p
    ), new_impl AS (
      INSERT INTO implementations (id, product_id, team_id, name, parent_implementation_id, created_at, updated_at)
      SELECT (d->'new_impl'->>'id')::uuid, product.id, team, d->'new_impl'->>'name', (d->'new_impl'->>'parentId')::uuid, now, now
        FROM p, product WHERE jsonb_typeof(d->'new_impl') = 'object'
      RETURNING id
    ), linked AS (
      INSERT INTO tracked_branches (implementation_id, branch_id, repo_uri, created_at, updated_at)
      SELECT (d->>'link')::uuid, branch, d->>'repo', now, now FROM p WHERE d->>'link' IS NOT NULL
      RETURNING 1
    ), spec_rows AS (
      INSERT INTO specs AS s (id, product_id, branch_id, path, last_seen_commit, parsed_at, feature_name, feature_description,
                              feature_version, raw_content, requirements, created_at, updated_at)
      SELECT x.id, product.id, p.branch, x.path, x.last_seen_commit, p.now, x.feature_name, x.description,
             x.version, x.raw_content, x.requirements, p.now, p.now
        FROM p, product, jsonb_to_recordset(p.d->'specs')
          AS x(id uuid, feature_name text, description text, version text, path text, raw_content text, last_seen_commit text, requirements jsonb)
      ON CONFLICT (branch_id, product_id, feature_name) DO UPDATE
         SET path = EXCLUDED.path, last_seen_commit = EXCLUDED.last_seen_commit, parsed_at = EXCLUDED.parsed_at,
             feature_description = EXCLUDED.feature_description, feature_version = EXCLUDED.feature_version,
             raw_content = EXCLUDED.raw_content, requirements = EXCLUDED.requirements, updated_at = EXCLUDED.updated_at
       WHERE (s.path, s.last_seen_commit, s.feature_description, s.feature_version, s.raw_content, s.requirements)
             IS DISTINCT FROM
             (EXCLUDED.path, EXCLUDED.last_seen_commit, EXCLUDED.feature_description, EXCLUDED.feature_version, EXCLUDED.raw_content, EXCLUDED.requirements)
      RETURNING (xmax = 0) AS inserted
    ), ref_rows AS (
      INSERT INTO feature_branch_refs AS r (id, branch_id, feature_name, refs, commit, pushed_at, created_at, updated_at)
      SELECT x.id, p.branch, x.feature_name, x.refs, p.d->>'commit', p.now, p.now, p.now
        FROM p, jsonb_to_recordset(p.d->'refs') AS x(id uuid, feature_name text, refs jsonb)
      ON CONFLICT (branch_id, feature_name) DO UPDATE
         SET refs = CASE WHEN (SELECT override FROM p) OR jsonb_typeof(r.refs) <> 'object' THEN EXCLUDED.refs ELSE r.refs || EXCLUDED.refs END,
             commit = EXCLUDED.commit, pushed_at = EXCLUDED.pushed_at, updated_at = EXCLUDED.updated_at
       WHERE (r.refs, r.commit) IS DISTINCT FROM
             (CASE WHEN (SELECT override FROM p) OR jsonb_typeof(r.refs) <> 'object' THEN EXCLUDED.refs ELSE r.refs || EXCLUDED.refs END, EXCLUDED.commit)
      RETURNING 1
    ), wrote AS (
      SELECT (d->>'wrote_before')::boolean OR EXISTS (SELECT 1 FROM spec_rows) OR EXISTS (SELECT 1 FROM ref_rows) AS yes FROM p
    ), bumped AS (
      INSERT INTO acai_team_versions AS v (team_id, version)
      SELECT team, 1 FROM p, wrote WHERE wrote.yes
      ON CONFLICT (team_id) DO UPDATE SET version = v.version + 1
      RETURNING version
    ), team AS (
      SELECT coalesce((SELECT version FROM bumped), (SELECT version FROM acai_team_versions WHERE team_id = (SELECT team FROM p)), 0) AS version
    ), replay AS (
      INSERT INTO acai_push_replays AS r (branch_id, digest, raw_digest, version, response, updated_at)
      SELECT p.branch, decode(d->>'digest', 'hex'), decode(d->>'raw_digest', 'hex'), team.version, d->'replay', p.now
        FROM p, team, wrote
       WHERE team.version = (d->>'seen_version')::bigint + CASE WHEN wrote.yes THEN 1 ELSE 0 END
      ON CONFLICT (branch_id) DO UPDATE
         SET digest = EXCLUDED.digest, raw_digest = EXCLUDED.raw_digest, version = EXCLUDED.version, response = EXCLUDED.response, updated_at = EXCLUDED.updated_at
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS created, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM spec_rows`;
