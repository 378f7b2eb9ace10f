import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { expectError, ISO, newBinding, teamTokens } from './helpers.js';

describe('workspace pull sessions: apply-preview and apply-result', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof teamTokens>>;
  let b: Awaited<ReturnType<typeof teamTokens>>;

  beforeAll(async () => {
    t = await createTestApp({ env: { WORKSPACE_APPLY_MAX_BYTES: '1024', WORKSPACE_METADATA_MAX_BYTES: '256', WORKSPACE_SIGNATURE_MAX_LENGTH: '64' } });
    a = await teamTokens(t, 'ws-apply-a');
    b = await teamTokens(t, 'ws-apply-b');
  });
  afterAll(async () => t?.close());

  const base = (bindingId: string) => `/v1/workspace-bindings/${bindingId}/pull-sessions`;
  async function preparedPull(auth = a.rw, signature = 'sig_pull') {
    const binding = await newBinding(t, auth);
    const res = await t.http().post(base(binding.id)).set('authorization', auth).send({ planSignature: signature, plan: { files: ['a'] } });
    expect(res.status).toBe(201);
    return { binding, session: res.body.pullSession as { id: string; [k: string]: unknown } };
  }
  const apply = (bindingId: string, id: string, step: 'preview' | 'result', body: object, auth = a.rw) =>
    t.http().post(`${base(bindingId)}/${id}/apply-${step}`).set('authorization', auth).send(body);

  it('records a preview once per signature', async () => {
    const { binding, session } = await preparedPull();
    const first = await apply(binding.id, session.id, 'preview', { previewSignature: 'sig_p1', preview: { changes: 2 }, metadata: { ui: 'diff' } });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['pullSession', 'updated']);
    expect(first.body.updated).toBe(true);
    expect(first.body.pullSession).toMatchObject({
      id: session.id,
      status: 'prepared',
      previewSignature: 'sig_p1',
      preview: { changes: 2 },
      previewMetadata: { ui: 'diff' },
      resultSignature: null,
      result: null,
      resultAppliedAt: null,
    });
    expect(first.body.pullSession.previewAppliedAt).toMatch(ISO);

    const same = await apply(binding.id, session.id, 'preview', { previewSignature: 'sig_p1', preview: { changes: 99 } });
    expect(same.status).toBe(200);
    expect(same.body).toEqual({ pullSession: first.body.pullSession, updated: false });

    const replaced = await apply(binding.id, session.id, 'preview', { previewSignature: 'sig_p2', preview: { changes: 3 } });
    expect(replaced.body).toMatchObject({ updated: true, pullSession: { previewSignature: 'sig_p2', preview: { changes: 3 }, previewMetadata: null } });
  });

  it('records a result once per signature, next to the preview', async () => {
    const { binding, session } = await preparedPull();
    await apply(binding.id, session.id, 'preview', { previewSignature: 'sig_p', preview: { changes: 1 } });
    const result = await apply(binding.id, session.id, 'result', { resultSignature: 'sig_r', result: { applied: 1, failed: 0 } });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      updated: true,
      pullSession: { status: 'prepared', previewSignature: 'sig_p', resultSignature: 'sig_r', result: { applied: 1, failed: 0 }, resultMetadata: null },
    });
    expect(result.body.pullSession.resultAppliedAt).toMatch(ISO);
    const again = await apply(binding.id, session.id, 'result', { resultSignature: 'sig_r', result: { applied: 1, failed: 0 } });
    expect(again.body).toEqual({ pullSession: result.body.pullSession, updated: false });

    const read = await t.http().get(`${base(binding.id)}/${session.id}`).set('authorization', a.readOnly);
    expect(read.body.pullSession).toEqual(result.body.pullSession);
  });

  it('refuses apply-* on superseded and cancelled sessions (409) and leaves them unchanged', async () => {
    const { binding, session } = await preparedPull();
    await t.http().post(base(binding.id)).set('authorization', a.rw).send({ planSignature: 'sig_next', plan: {} });
    for (const step of ['preview', 'result'] as const) {
      const res = await apply(binding.id, session.id, step, { [`${step}Signature`]: 'sig_x', [step]: {} });
      expectError(res, 409, 'conflict');
      expect(res.body.error).toMatch(/superseded/);
    }
    const other = await preparedPull();
    await t.http().post(`${base(other.binding.id)}/${other.session.id}/cancel`).set('authorization', a.rw);
    const cancelled = await apply(other.binding.id, other.session.id, 'result', { resultSignature: 'sig_x', result: {} });
    expectError(cancelled, 409, 'conflict');
    expect(cancelled.body.error).toMatch(/cancelled/);
    const read = await t.http().get(`${base(binding.id)}/${session.id}`).set('authorization', a.rw);
    expect(read.body.pullSession).toMatchObject({ status: 'superseded', previewSignature: null, resultSignature: null });
  });

  it('validates the bodies (400) and bounds their size', async () => {
    const { binding, session } = await preparedPull();
    const bad = async (step: 'preview' | 'result', body: object, field: string) => {
      const res = await apply(binding.id, session.id, step, body);
      expectError(res, 400, 'invalid_request');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    };
    await bad('preview', { preview: {} }, 'body.previewSignature');
    await bad('preview', { previewSignature: 'sig' }, 'body.preview');
    await bad('preview', { previewSignature: 'sig', preview: { x: 'y'.repeat(1100) } }, 'body.preview');
    await bad('preview', { previewSignature: 'sig', preview: {}, metadata: [] }, 'body.metadata');
    await bad('result', { result: {} }, 'body.resultSignature');
    await bad('result', { resultSignature: 's'.repeat(65), result: {} }, 'body.resultSignature');
    await bad('result', { resultSignature: 'sig', result: 'done' }, 'body.result');
  });

  it('answers 404 for unknown, malformed and other teams\' sessions, 401 and 403', async () => {
    const { binding, session } = await preparedPull();
    const theirs = await preparedPull(b.rw);
    const body = { previewSignature: 'sig', preview: {} };
    for (const [bindingId, id] of [
      [binding.id, 'wpl_00000000000000000000000000'],
      [binding.id, 'wpl_bad'],
      ['wb_bad', session.id],
      [theirs.binding.id, theirs.session.id],
      [binding.id, theirs.session.id],
    ]) {
      expectError(await apply(bindingId!, id!, 'preview', body), 404, 'not_found');
      expectError(await apply(bindingId!, id!, 'result', { resultSignature: 'sig', result: {} }), 404, 'not_found');
    }
    expectError(await t.http().post(`${base(binding.id)}/${session.id}/apply-preview`).send(body), 401, 'unauthorized');
    expectError(await apply(binding.id, session.id, 'preview', body, a.readOnly), 403, 'forbidden');
    expectError(await apply(binding.id, session.id, 'result', { resultSignature: 'sig', result: {} }, a.none), 403, 'forbidden');
  });
});
