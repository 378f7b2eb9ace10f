import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Tagged-template raw SQL on a plain pg connection or pool (the shape of Prisma's `$queryRaw`),
 * for hot paths where an ORM call costs more CPU than the statement. Values are always sent as
 * bind parameters, never spliced into the text.
 */
export interface RawSql {
  $queryRaw<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
  $executeRaw(strings: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
  /**
   * `$queryRaw` as a named statement: each connection plans it once and then reuses the plan.
   * Only for statements whose best plan does not depend on the values (lookups and upserts by
   * key, a JSON payload whose row estimate is fixed anyway). Never with `= ANY(array)` over a
   * payload-sized array: a reused plan cannot hash the array and the statement turns quadratic.
   */
  $queryPrepared<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
}

/** Where statements may be named: not on PGlite, whose one session is shared by every connection. */
export interface RawSqlTarget {
  singleSession: boolean;
}

const textOf = (strings: TemplateStringsArray) => strings.reduce((text, part, i) => `${text}$${i}${part}`);

// A tagged template's strings array is one object per call site, so it keys the statement.
const statements = new WeakMap<TemplateStringsArray, pg.QueryConfig>();
function statementOf(strings: TemplateStringsArray): pg.QueryConfig {
  let statement = statements.get(strings);
  if (!statement) {
    const text = textOf(strings);
    statement = { name: `s_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text };
    statements.set(strings, statement);
  }
  return statement;
}

export function rawSql(queryable: pg.Pool | pg.PoolClient, target: RawSqlTarget): RawSql {
  const canPrepare = !target.singleSession;
  return {
    async $queryRaw<T>(strings: TemplateStringsArray, ...values: unknown[]) {
      return (await queryable.query(textOf(strings), values)).rows as T;
    },
    async $executeRaw(strings: TemplateStringsArray, ...values: unknown[]) {
      return (await queryable.query(textOf(strings), values)).rowCount ?? 0;
    },
    async $queryPrepared<T>(strings: TemplateStringsArray, ...values: unknown[]) {
      const statement = canPrepare ? { ...statementOf(strings), values } : { text: textOf(strings), values };
      return (await queryable.query(statement)).rows as T;
    },
  };
}
