import type { Prisma, PrismaClient } from '../../db/database.js';
import { notFound } from '../../lib/errors.js';
import { isPrefixedId } from '../../lib/ids.js';

// What every workspace service shares: id prefixes, the 404s, and Prisma's "no row" error.

export type Db = PrismaClient | Prisma.TransactionClient;

export const ID_PREFIX = { device: 'dev', binding: 'wb', push: 'wps', pull: 'wpl' } as const;

export const deviceNotFound = () => notFound('Device not found');
export const bindingNotFound = () => notFound('Workspace binding not found');

/** A malformed id cannot exist: answer 404 without a query. */
export function checkId(prefix: string, id: string, missing: () => Error): void {
  if (!isPrefixedId(prefix, id)) throw missing();
}

/** Runs a Prisma update/delete addressed by id + team; "record not found" (P2025) becomes the module's 404. */
export async function orNotFound<T>(operation: Promise<T>, missing: () => Error): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'P2025') throw missing();
    throw error;
  }
}

export const iso = (date: Date) => date.toISOString();
