import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { newBinding, teamTokens } from './helpers.js';

// The reuse path of prepare is the hot one (daemons retry the same plan): it must stay
// one indexed read besides authentication, with no transaction.

describe('prepare statement count', () => {
  let t: TestApp;
  let auth: string;
  const statements: string[] = [];
  /** The statement names sent (undefined for an unnamed statement), in the order of `statements`. */
  const names: (string | undefined)[] = [];
  const original = pg.Client.prototype.query;

  beforeAll(async () => {
    t = await createTestApp();
    auth = (await teamTokens(t, 'ws-count')).rw;
  });
  afterEach(() => {
    pg.Client.prototype.query = original;
  });
  afterAll(async () => t?.close());

  async function recorded(run: () => Promise<unknown>): Promise<string[]> {
    statements.length = 0;
    names.length = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as string | { text?: string };
      statements.push(typeof config === 'string' ? config : (config?.text ?? ''));
      names.push(typeof config === 'string' ? undefined : (config as { name?: string })?.name);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    await run();
    pg.Client.prototype.query = original;
    return [...statements];
  }

  it('answers a retried prepare with authentication plus one SELECT', async () => {
    const binding = await newBinding(t, auth);
    const url = `/v1/workspace-bindings/${binding.id}/push-sessions`;
    const body = { planSignature: 'sig_hot', plan: { files: ['a'] } };
    const created = await t.http().post(url).set('authorization', auth).send(body);
    expect(created.status).toBe(201);

    const reuse = await recorded(async () => {
      const res = await t.http().post(url).set('authorization', auth).send(body);
      expect(res.status).toBe(200);
    });
    const ours = reuse.filter((sql) => !/api_tokens/.test(sql));
    expect(ours).toHaveLength(1);
    // Named, so each connection plans it once (PGlite's one shared session cannot keep names).
    const name = names[reuse.indexOf(ours[0]!)];
    if (t.db.singleSession) expect(name).toBeUndefined();
    else expect(name).toMatch(/^s_/);
    expect(ours[0]).toMatch(/^\s*SELECT id, [^;]*?\s+FROM push_sessions\s+WHERE workspace_binding_id = \$1 AND prepared_slot = TRUE/);

    const fresh = await recorded(async () => {
      const res = await t.http().post(url).set('authorization', auth).send({ ...body, planSignature: 'sig_new' });
      expect(res.status).toBe(201);
    });
    expect(fresh.some((sql) => /FOR NO KEY UPDATE/.test(sql))).toBe(true);
  });
});
