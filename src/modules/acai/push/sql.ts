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
}

const textOf = (strings: TemplateStringsArray) => strings.reduce((text, part, i) => `${text}$${i}${part}`);

function onConnection(client: pg.PoolClient): PushSql {
  return {
    async $queryRaw<T>(strings: TemplateStringsArray, ...values: unknown[]) {
      return (await client.query(textOf(strings), values)).rows as T;
    },
    async $executeRaw(strings: TemplateStringsArray, ...values: unknown[]) {
      return (await client.query(textOf(strings), values)).rowCount ?? 0;
    },
  };
}

// A push waits at most this long, for the branch lock included (Prisma's interactive transactions had the same bound).
const STATEMENT_TIMEOUT_MS = 60_000;
const QUERY_CANCELED = '57014';

/** Runs `work` in one transaction on one pooled connection: COMMIT when it returns, ROLLBACK when it throws. */
export async function pushTransaction<T>(pool: pg.Pool, work: (sql: PushSql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
    const result = await work(onConnection(client));
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
