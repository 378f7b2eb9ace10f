import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { RawSql } from '../../../db/handles.js';
import { unavailable } from '../../../lib/errors.js';
import { jsonLiteral } from './literal.js';
import type { PushPlan } from './plan.js';

// How POST /push talks to the database: the replay read, and the one transaction on one
// connection that runs the statements of context.ts and write.ts.

// A push waits at most this long, for the branch lock included (Prisma's interactive transactions had the same bound).
const STATEMENT_TIMEOUT_MS = 60_000;
const QUERY_CANCELED = '57014';
// The session does not hold the statements this connection is recorded to have prepared, or holds
// one it is recorded not to have: a pooler in transaction mode handed it another backend (PgBouncer
// tracks protocol-level statements only, never SQL PREPARE), or something deallocated them.
const PREPARED_STATE_WRONG = new Set(['26000', '42P05']);

/** A transaction-scoped advisory lock key for `parts` (a 64-bit hash, so unrelated keys rarely share a lock). */
export function lockKey(...parts: string[]): bigint {
  return createHash('sha256').update(parts.join('\u0000')).digest().readBigInt64BE(0);
}

/**
 * What the push needs of the Database: the pool, whose one connection runs the transaction in raw
 * SQL (a fraction of the CPU per statement of an interactive Prisma transaction), and raw SQL on
 * that pool for the replay reads.
 */
export interface PushDatabase {
  pool: pg.Pool;
  /** Whether each connection may PREPARE the statements once (Database.sqlPrepare). */
  sqlPrepare: boolean;
  /** Database.sql: named statements where the database allows them. */
  sql: RawSql;
}

/** A statement of the push transaction: its text, which reads its one value as the jsonb `$1`, and that value. */
export interface PushStatement {
  /** Names the statement where it is prepared: one per text. */
  name: string;
  text: string;
  value: unknown;
}

/** The push transaction's two round trips (see pushTransaction). */
export interface PushConnection {
  /** Sends `statement` with BEGIN, the timeout and the branch lock, in one round trip; its rows. */
  open<R>(statement: PushStatement): Promise<R[]>;
  /** Sends `statement` and COMMIT in one round trip; its rows. */
  commit<R>(statement: PushStatement): Promise<R[]>;
}

// The statements each connection has prepared (the pool hands out the same client objects again).
const preparedOn = new WeakMap<pg.PoolClient, Set<string>>();

/**
 * Runs `work` in one transaction on one pooled connection, holding the advisory lock `lock` from
 * the start, in two round trips: BEGIN, the timeout, the lock and the first statement (which so
 * reads what an earlier push to the branch committed), then the last statement and COMMIT. Both
 * are simple queries, as only those carry several statements, so the statements' values are
 * written into the text by jsonLiteral (literal.ts); the lock key is a number we computed. On
 * PostgreSQL each connection PREPAREs a statement the first time and EXECUTEs it after, as
 * planning them costs more than running them; not on PGlite, whose one session every connection
 * shares, nor with DB_SQL_PREPARE=false (a pooler in transaction mode). Anything thrown before the commit, or by it, rolls back everything (push.TX.1).
 */
export async function pushTransaction<T>(db: PushDatabase, lock: bigint, work: (connection: PushConnection) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  let prepared = preparedOn.get(client);
  if (!prepared) preparedOn.set(client, (prepared = new Set()));
  let broken = false;
  let committed = false;
  let preparing: string | null = null;

  const sqlOf = (statement: PushStatement) => {
    const value = jsonLiteral(statement.value);
    // A function as replacement: a literal may hold `$&` or `$'`, which a replacement string would expand.
    if (!db.sqlPrepare) return statement.text.replace('$1', () => value);
    const execute = `EXECUTE ${statement.name}(${value})`;
    if (prepared.has(statement.name)) return execute;
    preparing = statement.name;
    return `PREPARE ${statement.name}(jsonb) AS ${statement.text};\n${execute}`;
  };
  const send = async (sql: string) => {
    const results = (await client.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
    if (preparing !== null) prepared.add(preparing);
    preparing = null;
    return Array.isArray(results) ? results : [results];
  };
  const connection: PushConnection = {
    async open<R>(statement: PushStatement) {
      const begin = `BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}; SELECT pg_advisory_xact_lock(${BigInt.asIntN(64, lock)})`;
      return (await send(`${begin};\n${sqlOf(statement)}`)).at(-1)!.rows as R[];
    },
    async commit<R>(statement: PushStatement) {
      committed = true;
      const results = await send(`${sqlOf(statement)};\nCOMMIT`);
      return results.at(-2)!.rows as R[];
    },
  };
  try {
    const result = await work(connection);
    if (!committed) throw new Error('push transaction ended without its commit');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    const { code } = error as { code?: string };
    // Whether a PREPARE sent with a failed query still exists is not worth knowing: a new connection starts clean.
    // So does one whose recorded statements proved wrong, or every later push on it would fail the same way.
    if (preparing !== null || (code !== undefined && PREPARED_STATE_WRONG.has(code))) broken = true;
    if (code === QUERY_CANCELED) throw unavailable('The push waited too long for its branch; retry shortly');
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
export async function findReplay<T>(db: RawSql, teamId: string, plan: PushPlan, digest: Buffer): Promise<Replay<T>> {
  const rows = await db.$queryPrepared<{ version: string; response: T | null }[]>`
    WITH team AS (SELECT coalesce((SELECT version FROM acai_team_versions WHERE team_id = ${teamId}::uuid), 0) AS version)
    SELECT team.version::text AS version,
           (SELECT r.response FROM branches b JOIN acai_push_replays r ON r.branch_id = b.id
             WHERE b.team_id = ${teamId}::uuid AND b.repo_uri = ${plan.repoUri} AND b.branch_name = ${plan.branchName}
               AND r.digest = ${digest}::bytea AND r.version = team.version) AS response
      FROM team`;
  return rows[0]!;
}

/**
 * The team's acai data version now, and the stored answer of the push whose raw digest
 * (raw-replay.ts) is `rawDigest` if it was stored at that version: one indexed read in one
 * snapshot, like findReplay, whose version it can stand in for. The digest covers the team; the
 * join on it only keeps another team's row out beyond doubt.
 */
export async function findRawReplay<T>(db: RawSql, teamId: string, rawDigest: Buffer): Promise<Replay<T>> {
  const rows = await db.$queryPrepared<{ version: string; response: T | null }[]>`
    WITH team AS (SELECT coalesce((SELECT version FROM acai_team_versions WHERE team_id = ${teamId}::uuid), 0) AS version)
    SELECT team.version::text AS version,
           (SELECT r.response FROM acai_push_replays r JOIN branches b ON b.id = r.branch_id
             WHERE r.raw_digest = ${rawDigest}::bytea AND b.team_id = ${teamId}::uuid AND r.version = team.version
             LIMIT 1) AS response
      FROM team`;
  return rows[0]!;
}
