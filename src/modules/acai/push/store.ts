import { createHash } from 'node:crypto';
import type pg from 'pg';
import { rawSql, type RawSql, type RawSqlTarget } from '../../../db/raw-sql.js';
import { unavailable } from '../../../lib/errors.js';
import { uuidv7 } from '../../../lib/ids.js';
import type { PlannedSpec, PushPlan, RefBuckets } from './plan.js';

// Every statement of POST /push: branches, products, implementations, tracked_branches, specs
// and feature_branch_refs as the push writes them, inside one transaction on one connection.

/** The push writes through raw SQL on one pooled connection: a fraction of the CPU per statement of an interactive Prisma transaction. */
export type PushSql = RawSql;

// A push waits at most this long, for the branch lock included (Prisma's interactive transactions had the same bound).
const STATEMENT_TIMEOUT_MS = 60_000;
const QUERY_CANCELED = '57014';

/** A transaction-scoped advisory lock key for `parts` (a 64-bit hash, so unrelated keys rarely share a lock). */
export function lockKey(...parts: string[]): bigint {
  return createHash('sha256').update(parts.join('\u0000')).digest().readBigInt64BE(0);
}

export interface PushDatabase extends RawSqlTarget {
  pool: pg.Pool;
}

/** What a push transaction returns, and the statement that goes out with its COMMIT. */
export interface PushOutcome<T> {
  result: T;
  /** Written with escaped literals (see `literal`), sent in the COMMIT's round trip. */
  lastStatement: string;
}

/** Quotes a value as an SQL string literal (pg's escapeLiteral: safe whatever the text holds). */
export type Literal = (value: string) => string;

/**
 * Runs `work` in one transaction on one pooled connection, holding the advisory lock `lock` from
 * the start: COMMIT when it returns, ROLLBACK when it throws. BEGIN, the timeout and the lock
 * are one round trip (the key is a number we computed, so it is safe to write into the text),
 * and so are the work's last statement and COMMIT.
 */
export async function pushTransaction<T>(
  db: PushDatabase,
  lock: bigint,
  work: (sql: PushSql, literal: Literal) => Promise<PushOutcome<T>>,
): Promise<T> {
  const client = await db.pool.connect();
  let broken = false;
  try {
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}; SELECT pg_advisory_xact_lock(${BigInt.asIntN(64, lock)})`);
    const { result, lastStatement } = await work(rawSql(client, db), (value) => client.escapeLiteral(value));
    await client.query(`${lastStatement}; COMMIT`);
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    if ((error as { code?: string }).code === QUERY_CANCELED) throw unavailable('The push waited too long for its branch; retry shortly');
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The team's acai data version now, and the stored answer for a push with `digest` to this branch if it is still valid. */
export interface Replay<T> {
  version: string;
  response: T | null;
}

/**
 * One indexed read, no lock, outside any transaction: the team's data version and the branch's
 * stored answer when its digest matches and it was stored at that version. Both come from one
 * snapshot, so a write committed in between cannot pair an old answer with a new version.
 */
export async function findReplay<T>(db: PushSql, teamId: string, plan: PushPlan, digest: Buffer): Promise<Replay<T>> {
  const rows = await db.$queryPrepared<{ version: string; response: T | null }[]>`
    WITH team AS (SELECT coalesce((SELECT version FROM acai_team_versions WHERE team_id = ${teamId}::uuid), 0) AS version)
    SELECT team.version::text AS version,
           (SELECT r.response FROM branches b JOIN acai_push_replays r ON r.branch_id = b.id
             WHERE b.team_id = ${teamId}::uuid AND b.repo_uri = ${plan.repoUri} AND b.branch_name = ${plan.branchName}
               AND r.digest = ${digest}::bytea AND r.version = team.version) AS response
      FROM team`;
  return rows[0]!;
}

export interface PushRecord {
  teamId: string;
  branchId: string;
  digest: Buffer;
  /** The version findReplay saw before the transaction began. */
  seenVersion: string;
  /** Whether this push changed any row of the team's acai data. */
  wrote: boolean;
  /** What an identical push answers once this one has committed. */
  replay: unknown;
  now: Date;
}

/**
 * The push's last statement: bumps the team's data version when the push wrote anything, and
 * stores the replay at the new version only when no other write landed since findReplay (the
 * version moved by exactly this push's own bump, or not at all): every answer read in this
 * transaction was then computed on the data of that version. A write committing later bumps
 * the version again, which retires the replay. Values are escaped literals, as the statement
 * travels with COMMIT in one simple query.
 */
export function recordPushStatement(literal: Literal, record: PushRecord): string {
  const team = `${literal(record.teamId)}::uuid`;
  const expected = (BigInt(record.seenVersion) + (record.wrote ? 1n : 0n)).toString();
  return `
    WITH bumped AS (
      INSERT INTO acai_team_versions AS v (team_id, version) SELECT ${team}, 1 WHERE ${record.wrote}
      ON CONFLICT (team_id) DO UPDATE SET version = v.version + 1
      RETURNING version
    ), team AS (
      SELECT coalesce((SELECT version FROM bumped), (SELECT version FROM acai_team_versions WHERE team_id = ${team}), 0) AS version
    )
    INSERT INTO acai_push_replays AS r (branch_id, digest, version, response, updated_at)
    SELECT ${literal(record.branchId)}::uuid, ${literal(`\\x${record.digest.toString('hex')}`)}::bytea, team.version,
           ${literal(JSON.stringify(record.replay))}::jsonb, ${literal(record.now.toISOString())}::timestamptz
      FROM team WHERE team.version = ${expected}
    ON CONFLICT (branch_id) DO UPDATE
       SET digest = EXCLUDED.digest, version = EXCLUDED.version, response = EXCLUDED.response, updated_at = EXCLUDED.updated_at`;
}

/**
 * Branch get-or-create by (team, repo_uri, branch_name), recording the pushed commit (REQUEST.3-note);
 * unchanged rows are not rewritten. `written` says whether this push inserted or updated the row.
 */
export async function upsertBranch(db: PushSql, teamId: string, plan: PushPlan, now: Date): Promise<{ id: string; written: boolean }> {
  const rows = await db.$queryPrepared<{ id: string; written: boolean }[]>`
    WITH upserted AS (
      INSERT INTO branches AS b (id, team_id, repo_uri, branch_name, last_seen_commit, created_at, updated_at)
      VALUES (${uuidv7()}::uuid, ${teamId}::uuid, ${plan.repoUri}, ${plan.branchName}, ${plan.commitHash}, ${now}, ${now})
      ON CONFLICT (team_id, repo_uri, branch_name) DO UPDATE
         SET last_seen_commit = EXCLUDED.last_seen_commit, updated_at = EXCLUDED.updated_at
       WHERE b.last_seen_commit IS DISTINCT FROM EXCLUDED.last_seen_commit
      RETURNING id
    )
    SELECT id, true AS written FROM upserted
    UNION ALL
    SELECT id, false FROM branches WHERE team_id = ${teamId}::uuid AND repo_uri = ${plan.repoUri} AND branch_name = ${plan.branchName}
    LIMIT 1`;
  return rows[0]!;
}

export interface Named {
  id: string;
  name: string;
}

/** What deciding a push's implementation needs to know (see implementation.ts). */
export interface ImplementationContextRow {
  product: Named | null;
  tracked: (Named & { product_id: string; product_name: string; parent_name: string | null })[];
  target: (Named & { tracks_repo: boolean }) | null;
  parent: Named | null;
}

/** Product, tracking implementations, target and parent in one statement; names match case-insensitively, an exact spelling first. */
export async function loadImplementationContext(db: PushSql, teamId: string, branchId: string, plan: PushPlan): Promise<ImplementationContextRow> {
  const product = plan.productName;
  const rows = await db.$queryPrepared<ImplementationContextRow[]>`
    WITH prod AS (
      SELECT id, name FROM products
       WHERE team_id = ${teamId}::uuid AND lower(name) = lower(${product}::text)
       ORDER BY (name = ${product}::text) DESC, id LIMIT 1
    )
    SELECT
      (SELECT json_build_object('id', id, 'name', name) FROM prod) AS product,
      (SELECT coalesce(json_agg(json_build_object('id', i.id, 'name', i.name, 'product_id', p.id, 'product_name', p.name, 'parent_name', par.name) ORDER BY i.name), '[]'::json)
         FROM tracked_branches tb
         JOIN implementations i ON i.id = tb.implementation_id AND i.team_id = ${teamId}::uuid
         JOIN products p ON p.id = i.product_id
         LEFT JOIN implementations par ON par.id = i.parent_implementation_id
        WHERE tb.branch_id = ${branchId}::uuid
          AND (${product}::text IS NULL OR i.product_id = (SELECT id FROM prod))) AS tracked,
      (SELECT json_build_object('id', i.id, 'name', i.name, 'tracks_repo',
                EXISTS (SELECT 1 FROM tracked_branches t WHERE t.implementation_id = i.id AND t.repo_uri = ${plan.repoUri}))
         FROM implementations i
        WHERE i.product_id = (SELECT id FROM prod) AND lower(i.name) = lower(${plan.targetImplName}::text)
        ORDER BY (i.name = ${plan.targetImplName}::text) DESC LIMIT 1) AS target,
      (SELECT json_build_object('id', i.id, 'name', i.name)
         FROM implementations i
        WHERE i.product_id = (SELECT id FROM prod) AND lower(i.name) = lower(${plan.parentImplName}::text)
        ORDER BY (i.name = ${plan.parentImplName}::text) DESC LIMIT 1) AS parent`;
  return rows[0]!;
}

/** Products are created on first sight (NEW_IMPLS.3); a concurrent creator's row is picked up. */
export async function getOrCreateProduct(db: PushSql, teamId: string, name: string, now: Date): Promise<Named> {
  const inserted = await db.$queryPrepared<Named[]>`
    INSERT INTO products (id, team_id, name, created_at, updated_at)
    VALUES (${uuidv7()}::uuid, ${teamId}::uuid, ${name}, ${now}, ${now})
    ON CONFLICT (team_id, name) DO NOTHING
    RETURNING id, name`;
  if (inserted[0]) return inserted[0];
  const existing = await db.$queryPrepared<Named[]>`SELECT id, name FROM products WHERE team_id = ${teamId}::uuid AND name = ${name}`;
  return existing[0]!;
}

/** Null when the name is taken in the product (names are unique per product, VALIDATION.5). */
export async function createImplementation(db: PushSql, teamId: string, productId: string, name: string, parentId: string | null, now: Date) {
  const rows = await db.$queryPrepared<Named[]>`
    INSERT INTO implementations (id, product_id, team_id, name, parent_implementation_id, created_at, updated_at)
    SELECT ${uuidv7()}::uuid, ${productId}::uuid, ${teamId}::uuid, ${name}, ${parentId}::uuid, ${now}, ${now}
     WHERE NOT EXISTS (SELECT 1 FROM implementations WHERE product_id = ${productId}::uuid AND lower(name) = lower(${name}))
    ON CONFLICT (product_id, name) DO NOTHING
    RETURNING id, name`;
  return rows[0] ?? null;
}

/** False when the implementation already tracks a branch of that repository. */
export async function trackBranch(db: PushSql, implementationId: string, branchId: string, repoUri: string, now: Date): Promise<boolean> {
  const linked = await db.$executeRaw`
    INSERT INTO tracked_branches (implementation_id, branch_id, repo_uri, created_at, updated_at)
    VALUES (${implementationId}::uuid, ${branchId}::uuid, ${repoUri}, ${now}, ${now})
    ON CONFLICT DO NOTHING`;
  return linked > 0;
}

/**
 * All specs of a push in one statement (INSERT_SPEC, UPDATE_SPEC): a new (branch, product,
 * feature) inserts, an existing one is overwritten whole (UPDATE_SPEC.3) keeping its id
 * (SPEC_IDENTITY.1), and an unchanged one is not touched at all (IDEMPOTENCY.1).
 */
export async function writeSpecs(db: PushSql, branchId: string, productId: string, specs: PlannedSpec[], now: Date) {
  if (specs.length === 0) return { created: 0, updated: 0 };
  const payload = JSON.stringify(specs.map((spec) => ({ id: uuidv7(), ...spec })));
  const rows = await db.$queryPrepared<{ inserted: boolean }[]>`
    INSERT INTO specs AS s (id, product_id, branch_id, path, last_seen_commit, parsed_at, feature_name, feature_description,
                            feature_version, raw_content, requirements, created_at, updated_at)
    SELECT x.id, ${productId}::uuid, ${branchId}::uuid, x.path, x.last_seen_commit, ${now}, x.feature_name, x.description,
           x.version, x.raw_content, x.requirements, ${now}, ${now}
      FROM jsonb_to_recordset(${payload}::jsonb)
        AS x(id uuid, feature_name text, description text, version text, path text, raw_content text, last_seen_commit text, requirements jsonb)
    ON CONFLICT (branch_id, product_id, feature_name) DO UPDATE
       SET path = EXCLUDED.path, last_seen_commit = EXCLUDED.last_seen_commit, parsed_at = EXCLUDED.parsed_at,
           feature_description = EXCLUDED.feature_description, feature_version = EXCLUDED.feature_version,
           raw_content = EXCLUDED.raw_content, requirements = EXCLUDED.requirements, updated_at = EXCLUDED.updated_at
     WHERE (s.path, s.last_seen_commit, s.feature_description, s.feature_version, s.raw_content, s.requirements)
           IS DISTINCT FROM
           (EXCLUDED.path, EXCLUDED.last_seen_commit, EXCLUDED.feature_description, EXCLUDED.feature_version, EXCLUDED.raw_content, EXCLUDED.requirements)
    RETURNING (xmax = 0) AS inserted`;
  const created = rows.filter((r) => r.inserted).length;
  return { created, updated: rows.length - created };
}

/**
 * Every touched (branch, feature) refs bucket in one statement (WRITE_REFS.1), whether or not
 * a spec or an implementation exists (REFS.3, WRITE_REFS.2-3). Without override, incoming ACID
 * keys replace theirs and the others stay (REFS.5); with override the bucket is replaced
 * (REFS.6). A bucket whose refs and commit would not change is left alone.
 */
export async function writeRefs(db: PushSql, branchId: string, buckets: RefBuckets, override: boolean, commit: string, now: Date): Promise<number> {
  if (buckets.size === 0) return 0;
  const payload = JSON.stringify([...buckets].map(([feature_name, refs]) => ({ id: uuidv7(), feature_name, refs })));
  const rows = await db.$queryPrepared<unknown[]>`
    INSERT INTO feature_branch_refs AS r (id, branch_id, feature_name, refs, commit, pushed_at, created_at, updated_at)
    SELECT x.id, ${branchId}::uuid, x.feature_name, x.refs, ${commit}, ${now}, ${now}, ${now}
      FROM jsonb_to_recordset(${payload}::jsonb) AS x(id uuid, feature_name text, refs jsonb)
    ON CONFLICT (branch_id, feature_name) DO UPDATE
       SET refs = CASE WHEN ${override}::boolean OR jsonb_typeof(r.refs) <> 'object' THEN EXCLUDED.refs ELSE r.refs || EXCLUDED.refs END,
           commit = EXCLUDED.commit, pushed_at = EXCLUDED.pushed_at, updated_at = EXCLUDED.updated_at
     WHERE (r.refs, r.commit) IS DISTINCT FROM
           (CASE WHEN ${override}::boolean OR jsonb_typeof(r.refs) <> 'object' THEN EXCLUDED.refs ELSE r.refs || EXCLUDED.refs END, EXCLUDED.commit)
    RETURNING 1`;
  return rows.length;
}

/** Up to this many referenced ACIDs, the definitions statement reuses a plan (see loadRefDefinitions). */
const PREPARED_MAX_ACIDS = 64;

/**
 * Which of `acids` are defined, and whether deprecated: on the pushed branch (any product: refs
 * are product-blind) or on a branch tracked by the implementation or one of its ancestors in its
 * product (data-model.INHERITANCE.9); the nearest definition decides. One statement, returning
 * only the referenced requirements.
 */
export async function loadRefDefinitions(
  db: PushSql,
  branchId: string,
  implementationId: string | null,
  featureNames: string[],
  acids: string[],
): Promise<Map<string, boolean>> {
  // Planning this statement is most of a small push's database time, so small pushes reuse a
  // plan; a large ACID list needs a fresh plan, which hashes the array (a reused one scans it per row).
  const query = acids.length <= PREPARED_MAX_ACIDS ? db.$queryPrepared.bind(db) : db.$queryRaw.bind(db);
  const rows = await query<{ acid: string; deprecated: boolean }[]>`
    WITH RECURSIVE chain AS (
      SELECT id, parent_implementation_id, product_id, 0 AS depth FROM implementations WHERE id = ${implementationId}::uuid
      UNION ALL
      SELECT i.id, i.parent_implementation_id, i.product_id, c.depth + 1
        FROM implementations i JOIN chain c ON i.id = c.parent_implementation_id
       WHERE c.depth < 16
    ), scope AS (
      SELECT ${branchId}::uuid AS branch_id, NULL::uuid AS product_id, -1 AS depth
      UNION ALL
      SELECT tb.branch_id, c.product_id, c.depth FROM chain c JOIN tracked_branches tb ON tb.implementation_id = c.id
    )
    SELECT DISTINCT ON (r.key) r.key AS acid,
           coalesce(r.value -> 'is_deprecated' = 'true'::jsonb OR r.value -> 'deprecated' = 'true'::jsonb, false) AS deprecated
      FROM scope
      JOIN specs s ON s.branch_id = scope.branch_id AND (scope.product_id IS NULL OR s.product_id = scope.product_id)
     CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(s.requirements) = 'object' THEN s.requirements ELSE '{}'::jsonb END) r
     WHERE s.feature_name = ANY(${featureNames}::text[]) AND r.key = ANY(${acids}::text[])
     ORDER BY r.key, scope.depth`;
  return new Map(rows.map((row) => [row.acid, row.deprecated]));
}
