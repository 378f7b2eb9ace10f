import { createHash } from 'node:crypto';
import type pg from 'pg';
import { rawSql, type RawSql, type RawSqlTarget } from '../../../db/raw-sql.js';
import { unavailable } from '../../../lib/errors.js';

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
    const result = await work(rawSql(client, db));
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
