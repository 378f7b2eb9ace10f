import { createHash } from 'node:crypto';
import type pg from 'pg';
import { unavailable } from '../../../lib/errors.js';

/**
 * The tagged-template raw SQL the push writes with. Prisma's transaction client has this shape;
 * the push itself runs on a plain pg connection of the same pool (`pushTransaction`), which
 * costs a fraction of the CPU per statement of an interactive Prisma transaction on this hot path.
 * Values are always sent as bind parameters, never spliced into the text.
 */
export interface PushSql {
  $queryRaw<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
  $executeRaw(strings: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
  /**
   * `$queryRaw` as a named statement: each connection plans it once and then reuses the plan
   * (planning was most of the database's time in a small push). Only for lookups and upserts by
   * key, or over a JSON payload (whose row estimate is fixed anyway), whose best plan does not
   * depend on the values. Never with `= ANY(array)` over a payload-sized array: a generic plan
   * cannot hash the array and the statement turns quadratic.
   */
  $queryPrepared<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
}

const textOf = (strings: TemplateStringsArray) => strings.reduce((text, part, i) => `${text}$${i}${part}`);

// A tagged template's strings array is one object per call site, so it keys the statement.
const statements = new WeakMap<TemplateStringsArray, pg.QueryConfig>();
function statementOf(strings: TemplateStringsArray): pg.QueryConfig {
  let statement = statements.get(strings);
  if (!statement) {
    statement = { name: `push_${createHash('sha1').update(textOf(strings)).digest('hex').slice(0, 16)}`, text: textOf(strings) };
    statements.set(strings, statement);
  }
  return statement;
}

function onConnection(client: pg.PoolClient, canPrepare: boolean): PushSql {
  return {
    async $queryRaw<T>(strings: TemplateStringsArray, ...values: unknown[]) {
      return (await client.query(textOf(strings), values)).rows as T;
    },
    async $executeRaw(strings: TemplateStringsArray, ...values: unknown[]) {
      return (await client.query(textOf(strings), values)).rowCount ?? 0;
    },
    async $queryPrepared<T>(strings: TemplateStringsArray, ...values: unknown[]) {
      const statement = canPrepare ? { ...statementOf(strings), values } : { text: textOf(strings), values };
      return (await client.query(statement)).rows as T;
    },
  };
}

// A push waits at most this long, for the branch lock included (Prisma's interactive transactions had the same bound).
const STATEMENT_TIMEOUT_MS = 60_000;
const QUERY_CANCELED = '57014';

/** A transaction-scoped advisory lock key for `parts` (a 64-bit hash, so unrelated keys rarely share a lock). */
export function lockKey(...parts: string[]): bigint {
  return createHash('sha256').update(parts.join('\u0000')).digest().readBigInt64BE(0);
}

export interface PushDatabase {
  pool: pg.Pool;
  /** One session behind every connection (PGlite): a statement named by one connection would collide with another's, so none is named. */
  singleSession: boolean;
}

/**
 * Runs `work` in one transaction on one pooled connection, holding the advisory lock `lock` from
 * the start: COMMIT when it returns, ROLLBACK when it throws. BEGIN, the timeout and the lock
 * are one round trip (the key is a number we computed, so it is safe to write into the text).
 */
export async function pushTransaction<T>(db: PushDatabase, lock: bigint, work: (sql: PushSql) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  let broken = false;
  try {
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}; SELECT pg_advisory_xact_lock(${BigInt.asIntN(64, lock)})`);
    const result = await work(onConnection(client, !db.singleSession));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    if ((error as { code?: string }).code === QUERY_CANCELED) throw unavailable('The push waited too long for its branch; retry shortly');
    throw error;
  } finally {
    client.release(broken);
  }
}
