import type { Db, PrismaClient, RawSql } from '../../../db/handles.js';
import { isRetryableConflict, uniqueViolationConstraint } from '../../../db/errors.js';
import { conflict, notFound } from '../../../lib/errors.js';
import { prefixedId } from '../../../lib/ids.js';
import { bindingExists, lockBinding } from '../bindings/store.js';
import { bindingNotFound, checkId, ID_PREFIX } from '../ids.js';
import * as store from './store.js';
import type { ApplyStep, SessionRow, SessionTable } from './store.js';

// The lifecycle shared by push and pull sessions (see README.md in this folder):
// prepare reuses the binding's prepared session when the plan signature matches,
// otherwise supersedes it and creates a new one; cancel ends a prepared session.

export interface SessionKind {
  table: SessionTable;
  prefix: string;
  label: string;
}

export const PUSH: SessionKind = { table: 'push_sessions', prefix: ID_PREFIX.push, label: 'Push session' };
export const PULL: SessionKind = { table: 'pull_sessions', prefix: ID_PREFIX.pull, label: 'Pull session' };

interface Caller {
  teamId: string;
  userId: string;
}

const PREPARE_ATTEMPTS = 3;
// Prepares of one binding queue on its row lock; give a burst room before Prisma gives up.
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

const sessionNotFound = (kind: SessionKind) => () => notFound(`${kind.label} not found`);

function checkIds(kind: SessionKind, bindingId: string, id?: string): void {
  checkId(ID_PREFIX.binding, bindingId, bindingNotFound);
  if (id !== undefined) checkId(kind.prefix, id, sessionNotFound(kind));
}

export async function prepareSession(
  { prisma, sql }: { prisma: PrismaClient; sql: RawSql },
  kind: SessionKind,
  caller: Caller,
  bindingId: string,
  input: { planSignature: string; plan: Record<string, unknown>; metadata?: Record<string, unknown> | null },
): Promise<{ session: SessionRow; created: boolean }> {
  checkIds(kind, bindingId);
  // A retried prepare (the common case) is answered by one indexed read, without a transaction.
  const existing = await store.findPrepared(sql, kind.table, caller.teamId, bindingId);
  if (existing?.plan_signature === input.planSignature) return { session: existing, created: false };

  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(async (tx) => {
        const binding = await lockBinding(tx, caller.teamId, bindingId);
        if (!binding) throw bindingNotFound();
        const current = await store.lockPrepared(tx, kind.table, bindingId);
        if (current?.plan_signature === input.planSignature) return { session: current, created: false };
        if (current) await store.supersedePrepared(tx, kind.table, bindingId);
        const session = await store.insertPrepared(tx, kind.table, {
          id: prefixedId(kind.prefix),
          teamId: caller.teamId,
          userId: caller.userId,
          binding,
          ...input,
        });
        return { session, created: true };
      }, TRANSACTION_OPTIONS);
    } catch (error) {
      // The binding lock serialises prepares, so the unique slot should never be hit; if a
      // writer outside this path races us anyway, the next attempt sees its row.
      const retryable = uniqueViolationConstraint(error) !== undefined || isRetryableConflict(error);
      if (!retryable || attempt >= PREPARE_ATTEMPTS) throw error;
    }
  }
}

export async function getSession(db: Db, kind: SessionKind, teamId: string, bindingId: string, id: string): Promise<SessionRow> {
  checkIds(kind, bindingId, id);
  const session = await store.findSession(db, kind.table, teamId, bindingId, id);
  if (!session) throw sessionNotFound(kind)();
  return session;
}

export async function listSessions(
  db: Db,
  kind: SessionKind,
  teamId: string,
  bindingId: string,
  query: { status?: string; limit: number; offset: number },
): Promise<{ rows: SessionRow[]; total: number }> {
  checkIds(kind, bindingId);
  const [exists, page] = await Promise.all([
    bindingExists(db, teamId, bindingId),
    store.listSessions(db, kind.table, teamId, bindingId, query),
  ]);
  if (!exists) throw bindingNotFound();
  return page;
}

/** Only a prepared session can be cancelled; superseded and cancelled ones are final (409). */
export async function cancelSession(db: Db, kind: SessionKind, teamId: string, bindingId: string, id: string): Promise<SessionRow> {
  checkIds(kind, bindingId, id);
  const cancelled = await store.cancelPrepared(db, kind.table, teamId, bindingId, id);
  if (cancelled) return cancelled;
  const session = await getSession(db, kind, teamId, bindingId, id);
  throw conflict(`${kind.label} is ${session.status}; only a prepared session can be cancelled`, [
    { field: 'status', issue: `is ${session.status}` },
  ]);
}

/**
 * Records the preview or the result of applying a pull. Same signature as recorded:
 * nothing changes (`updated: false`); a new signature replaces the previous record.
 * Only a prepared session accepts them: superseded or cancelled is a 409.
 */
export async function applyToPull(
  db: Db,
  teamId: string,
  bindingId: string,
  id: string,
  step: ApplyStep,
  input: { signature: string; payload: Record<string, unknown>; metadata?: Record<string, unknown> | null },
): Promise<{ session: SessionRow; updated: boolean }> {
  checkIds(PULL, bindingId, id);
  const written = await store.recordApply(db, teamId, bindingId, id, step, input);
  if (written) return { session: written, updated: true };
  const session = await getSession(db, PULL, teamId, bindingId, id);
  if (session.status !== 'prepared') {
    throw conflict(`Pull session is ${session.status}; apply-${step} needs a prepared session`, [
      { field: 'status', issue: `is ${session.status}` },
    ]);
  }
  return { session, updated: false };
}

const isoOrNull = (value: unknown) => (value instanceof Date ? value.toISOString() : null);

export function toPushSessionBody(row: SessionRow) {
  return {
    id: row.id,
    workspaceBindingId: row.workspace_binding_id,
    userId: row.user_id,
    deviceId: row.device_id,
    environmentId: row.environment_id,
    projectId: row.project_id,
    status: row.status,
    planSignature: row.plan_signature,
    plan: row.plan,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toPullSessionBody(row: SessionRow) {
  return {
    ...toPushSessionBody(row),
    previewSignature: (row.preview_signature as string | null) ?? null,
    preview: (row.preview as Record<string, unknown> | null) ?? null,
    previewMetadata: (row.preview_metadata as Record<string, unknown> | null) ?? null,
    previewAppliedAt: isoOrNull(row.preview_applied_at),
    resultSignature: (row.result_signature as string | null) ?? null,
    result: (row.result as Record<string, unknown> | null) ?? null,
    resultMetadata: (row.result_metadata as Record<string, unknown> | null) ?? null,
    resultAppliedAt: isoOrNull(row.result_applied_at),
  };
}
