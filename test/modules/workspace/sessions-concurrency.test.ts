import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { newBinding, teamTokens } from './helpers.js';

// The database, not only the code, keeps one prepared session per binding: parallel
// HTTP prepares must agree on one session and never fail.

const N = 20;

describe.each([
  { segment: 'push-sessions', key: 'pushSession', table: 'push_sessions' },
  { segment: 'pull-sessions', key: 'pullSession', table: 'pull_sessions' },
] as const)('concurrent $segment prepares', ({ segment, key, table }) => {
  let t: TestApp;
  let auth: string;

  beforeAll(async () => {
    t = await createTestApp();
    auth = (await teamTokens(t, `ws-race-${key}`)).rw;
  });
  afterAll(async () => {
    // No request of the races failed on the server side (nothing logged as an error).
    expect(t.logs.lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
    await t?.close();
  });

  const prepare = (bindingId: string, planSignature: string) =>
    t.http().post(`/v1/workspace-bindings/${bindingId}/${segment}`).set('authorization', auth).send({ planSignature, plan: { sig: planSignature } });
  const preparedCount = async (bindingId: string) => {
    const rows = await t.db.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_binding_id = $1 AND status = 'prepared'`, [bindingId]);
    return rows.rows[0].n as number;
  };

  it(`${N} identical prepares at once: one 201, ${N - 1} 200s, all the same session`, async () => {
    const binding = await newBinding(t, auth);
    const responses = await Promise.all(Array.from({ length: N }, () => prepare(binding.id, 'sig_same')));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses, JSON.stringify(responses.filter((r) => r.status >= 300).map((r) => r.body))).toEqual([...Array(N - 1).fill(200), 201]);
    expect(new Set(responses.map((r) => r.body[key].id)).size).toBe(1);
    expect(responses.filter((r) => r.body.created === true)).toHaveLength(1);
    expect(await preparedCount(binding.id)).toBe(1);
  });

  it(`${N} different prepares at once: all succeed, exactly one stays prepared`, async () => {
    const binding = await newBinding(t, auth);
    const responses = await Promise.all(Array.from({ length: N }, (_, i) => prepare(binding.id, `sig_${i}`)));
    expect(responses.map((r) => r.status), JSON.stringify(responses.filter((r) => r.status >= 300).map((r) => r.body))).toEqual(Array(N).fill(201));
    expect(new Set(responses.map((r) => r.body[key].id)).size).toBe(N);
    expect(await preparedCount(binding.id)).toBe(1);
    const { rows } = await t.db.pool.query(`SELECT status, count(*)::int AS n FROM ${table} WHERE workspace_binding_id = $1 GROUP BY status`, [binding.id]);
    expect(Object.fromEntries(rows.map((r) => [r.status, r.n]))).toEqual({ prepared: 1, superseded: N - 1 });
  });

  it('mixed identical and different prepares plus cancels at once never fail', async () => {
    const binding = await newBinding(t, auth);
    const first = await prepare(binding.id, 'sig_a');
    const cancel = () => t.http().post(`/v1/workspace-bindings/${binding.id}/${segment}/${first.body[key].id}/cancel`).set('authorization', auth);
    const responses = await Promise.all([
      ...Array.from({ length: N / 2 }, (_, i) => prepare(binding.id, i % 2 ? 'sig_a' : 'sig_b')),
      cancel(),
      cancel(),
    ]);
    for (const res of responses) expect([200, 201, 409], JSON.stringify(res.body)).toContain(res.status);
    expect(await preparedCount(binding.id)).toBe(1);
  });

  it('the database itself refuses a second prepared session for a binding', async () => {
    const binding = await newBinding(t, auth);
    const created = (await prepare(binding.id, 'sig_db')).body[key];
    const copy = `INSERT INTO ${table} (id, team_id, workspace_binding_id, user_id, device_id, environment_id, status, prepared_slot,
                    plan_signature, plan, updated_at)
                  SELECT $2, team_id, workspace_binding_id, user_id, device_id, environment_id, $3, $4, 'sig_other', '{}', now()
                    FROM ${table} WHERE id = $1`;
    await expect(t.db.pool.query(copy, [created.id, `${created.id}x`, 'prepared', true])).rejects.toMatchObject({ code: '23505' });
    // The status and the slot cannot disagree either.
    await expect(t.db.pool.query(copy, [created.id, `${created.id}y`, 'cancelled', true])).rejects.toMatchObject({ code: expect.stringMatching(/^23/) });
    await expect(t.db.pool.query(copy, [created.id, `${created.id}z`, 'prepared', null])).rejects.toMatchObject({ code: '23514' });
  });
});
