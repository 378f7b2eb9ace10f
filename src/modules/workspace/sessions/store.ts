import type { Db, RawSql } from '../../../db/handles.js';
import { Prisma } from '../../../generated/prisma/client.js';
import type { BindingRef } from '../bindings/store.js';

// The `push_sessions` and `pull_sessions` tables: raw SQL shared by push and pull sessions (same columns for the prepare lifecycle).
// The database guarantees at most one prepared session per binding: `prepared_slot`
// is TRUE exactly while status = 'prepared' and NULL otherwise, under a unique index
// on (workspace_binding_id, prepared_slot). Every statement here keeps that pairing.

export type SessionTable = 'push_sessions' | 'pull_sessions';

/** A row as Postgres returns it (snake_case); pull sessions carry their apply columns too. */
export interface SessionRow {
  id: string;
  team_id: string;
  workspace_binding_id: string;
  user_id: string;
  device_id: string;
  environment_id: string;
  project_id: string | null;
  status: 'prepared' | 'superseded' | 'cancelled';
  plan_signature: string;
  plan: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  [column: string]: unknown;
}

const table = (name: SessionTable) => Prisma.raw(name);
const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

// The columns each table's rows carry (SessionRow): named, not `*`, so a column added by a later
// migration cannot break the named statement below ("cached plan must not change result type").
// Written out in each statement because a named statement's text must be a fixed literal.

/**
 * The hot path of an idempotent prepare: one lookup on the unique (binding, prepared_slot) index,
 * as a named statement on plain pg. Through Prisma this read cost more server CPU than the rest of
 * the request, and an unnamed statement is parsed and planned by PostgreSQL on every call.
 */
export async function findPrepared(sql: RawSql, t: SessionTable, teamId: string, bindingId: string): Promise<SessionRow | undefined> {
  const rows =
    t === 'push_sessions'
      ? await sql.$queryPrepared<SessionRow[]>`
    SELECT id, team_id, workspace_binding_id, user_id, device_id, environment_id, project_id, status, plan_signature,
           plan, metadata, created_at, updated_at
      FROM push_sessions
     WHERE workspace_binding_id = ${bindingId} AND prepared_slot = TRUE AND team_id = ${teamId}::uuid`
      : await sql.$queryPrepared<SessionRow[]>`
    SELECT id, team_id, workspace_binding_id, user_id, device_id, environment_id, project_id, status, plan_signature,
           plan, metadata, created_at, updated_at, preview_signature, preview, preview_metadata, preview_applied_at,
           result_signature, result, result_metadata, result_applied_at
      FROM pull_sessions
     WHERE workspace_binding_id = ${bindingId} AND prepared_slot = TRUE AND team_id = ${teamId}::uuid`;
  return rows[0];
}

export async function lockPrepared(db: Db, t: SessionTable, bindingId: string): Promise<SessionRow | undefined> {
  const rows = await db.$queryRaw<SessionRow[]>`
    SELECT * FROM ${table(t)} WHERE workspace_binding_id = ${bindingId} AND prepared_slot = TRUE FOR UPDATE`;
  return rows[0];
}

export async function supersedePrepared(db: Db, t: SessionTable, bindingId: string): Promise<void> {
  await db.$executeRaw`
    UPDATE ${table(t)} SET status = 'superseded', prepared_slot = NULL, updated_at = now()
     WHERE workspace_binding_id = ${bindingId} AND prepared_slot = TRUE`;
}

export async function insertPrepared(
  db: Db,
  t: SessionTable,
  row: { id: string; teamId: string; userId: string; binding: BindingRef; planSignature: string; plan: object; metadata?: object | null },
): Promise<SessionRow> {
  const { binding } = row;
  const rows = await db.$queryRaw<SessionRow[]>`
    INSERT INTO ${table(t)} (id, team_id, workspace_binding_id, user_id, device_id, environment_id, project_id,
                             status, prepared_slot, plan_signature, plan, metadata, created_at, updated_at)
    VALUES (${row.id}, ${row.teamId}::uuid, ${binding.id}, ${row.userId}::uuid, ${binding.device_id}, ${binding.environment_id},
            ${binding.project_id}, 'prepared', TRUE, ${row.planSignature}, ${json(row.plan)}::jsonb, ${json(row.metadata)}::jsonb,
            now(), now())
    RETURNING *`;
  return rows[0]!;
}

export async function findSession(db: Db, t: SessionTable, teamId: string, bindingId: string, id: string): Promise<SessionRow | undefined> {
  const rows = await db.$queryRaw<SessionRow[]>`
    SELECT * FROM ${table(t)} WHERE id = ${id} AND workspace_binding_id = ${bindingId} AND team_id = ${teamId}::uuid`;
  return rows[0];
}

/** prepared -> cancelled in one conditional statement; undefined when the session is not prepared (or absent). */
export async function cancelPrepared(db: Db, t: SessionTable, teamId: string, bindingId: string, id: string): Promise<SessionRow | undefined> {
  const rows = await db.$queryRaw<SessionRow[]>`
    UPDATE ${table(t)} SET status = 'cancelled', prepared_slot = NULL, updated_at = now()
     WHERE id = ${id} AND workspace_binding_id = ${bindingId} AND team_id = ${teamId}::uuid AND status = 'prepared'
    RETURNING *`;
  return rows[0];
}

/** Newest first; `total` counts the whole filtered list. */
export async function listSessions(
  db: Db,
  t: SessionTable,
  teamId: string,
  bindingId: string,
  query: { status?: string; limit: number; offset: number },
): Promise<{ rows: SessionRow[]; total: number }> {
  const status = query.status === undefined ? Prisma.empty : Prisma.sql`AND status = ${query.status}`;
  const where = Prisma.sql`WHERE workspace_binding_id = ${bindingId} AND team_id = ${teamId}::uuid ${status}`;
  const [rows, counted] = await Promise.all([
    db.$queryRaw<SessionRow[]>`
      SELECT * FROM ${table(t)} ${where} ORDER BY created_at DESC, id DESC LIMIT ${query.limit} OFFSET ${query.offset}`,
    db.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM ${table(t)} ${where}`,
  ]);
  return { rows, total: counted[0]?.total ?? 0 };
}

/** Which recorded step of a pull an apply-* call writes (fixed column names, never user input). */
export const APPLY_STEPS = {
  preview: { signature: 'preview_signature', payload: 'preview', metadata: 'preview_metadata', at: 'preview_applied_at' },
  result: { signature: 'result_signature', payload: 'result', metadata: 'result_metadata', at: 'result_applied_at' },
} as const;
export type ApplyStep = keyof typeof APPLY_STEPS;

/**
 * Records a preview or result on a prepared pull session, unless the same signature is
 * already recorded; undefined when nothing was written (absent, not prepared, or unchanged).
 */
export async function recordApply(
  db: Db,
  teamId: string,
  bindingId: string,
  id: string,
  step: ApplyStep,
  input: { signature: string; payload: object; metadata?: object | null },
): Promise<SessionRow | undefined> {
  const c = APPLY_STEPS[step];
  const col = (name: string) => Prisma.raw(name);
  const rows = await db.$queryRaw<SessionRow[]>`
    UPDATE pull_sessions
       SET ${col(c.signature)} = ${input.signature}, ${col(c.payload)} = ${json(input.payload)}::jsonb,
           ${col(c.metadata)} = ${json(input.metadata)}::jsonb, ${col(c.at)} = now(), updated_at = now()
     WHERE id = ${id} AND workspace_binding_id = ${bindingId} AND team_id = ${teamId}::uuid AND status = 'prepared'
       AND ${col(c.signature)} IS DISTINCT FROM ${input.signature}
    RETURNING *`;
  return rows[0];
}
