import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

// The database handles stores and services take. One family, so a function's parameter
// says what it needs: a transaction of its own (PrismaClient), any Prisma handle (Db),
// an open transaction (Tx), only tagged-template SQL (Sql), or raw SQL on the pg pool
// for hot paths (RawSql, raw-sql.ts). Import them from here, not from generated/prisma.

export type { PrismaClient };
export type { RawSql } from './raw-sql.js';

/** The client or a transaction client: whatever the caller is in. */
export type Db = PrismaClient | Prisma.TransactionClient;

/** An interactive transaction's client: the caller owns the transaction. */
export type Tx = Prisma.TransactionClient;

/** Anything that runs tagged-template SQL: the client or a transaction client. */
export type Sql = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;
