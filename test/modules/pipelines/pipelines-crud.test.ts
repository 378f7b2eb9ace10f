import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { updatePipeline } from '../../../src/modules/pipelines/pipelines/service.js';

const definition = { source: { kind: 'postgres', table: 'orders' }, steps: [{ op: 'dedupe', keys: ['id'] }] };

describe('pipelines CRUD', () => {
  let t: TestApp;
  let auth: string;
  const bearer = (token: string) => `Bearer ${token}`;

  beforeAll(async () => {
    t = await createTestApp({ env: { PIPELINE_NAME_MAX_LENGTH: '40', PIPELINE_DEFINITION_MAX_BYTES: '2048' } });
    auth = bearer(await t.token({ team: 'pl-crud', user: 'pat', scopes: ['pipelines:read', 'pipelines:write'] }));
  });
  afterAll(async () => t?.close());

  const create = (body: unknown, token = auth) => t.http().post('/api/pipelines').set('authorization', token).send(body as object);

  it('creates, reads, updates and soft-deletes a pipeline', async () => {
    const created = await create({ name: 'Orders sync', definition });
    expect(created.status).toBe(201);
    const pipeline = created.body.data;
    expect(pipeline).toMatchObject({ name: 'Orders sync', definition, version: 1 });
    expect(pipeline.id).toMatch(/^pl_[0-9a-z]{26}$/);
    expect(new Date(pipeline.updated_at).toISOString()).toBe(pipeline.updated_at);

    const read = await t.http().get(`/api/pipelines/${pipeline.id}`).set('authorization', auth);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ data: pipeline });

    const renamed = await t.http().patch(`/api/pipelines/${pipeline.id}`).set('authorization', auth).send({ name: 'Orders v2' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({ id: pipeline.id, name: 'Orders v2', definition, version: 2 });

    const redefined = await t
      .http()
      .patch(`/api/pipelines/${pipeline.id}`)
      .set('authorization', auth)
      .send({ definition: { steps: [] }, expected_version: 2 });
    expect(redefined.status).toBe(200);
    expect(redefined.body.data).toMatchObject({ name: 'Orders v2', definition: { steps: [] }, version: 3 });

    const deleted = await t.http().delete(`/api/pipelines/${pipeline.id}`).set('authorization', auth);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    for (const res of [
      await t.http().get(`/api/pipelines/${pipeline.id}`).set('authorization', auth),
      await t.http().patch(`/api/pipelines/${pipeline.id}`).set('authorization', auth).send({ name: 'x' }),
      await t.http().delete(`/api/pipelines/${pipeline.id}`).set('authorization', auth),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const list = await t.http().get('/api/pipelines?limit=200').set('authorization', auth);
    expect(list.body.data.map((p: { id: string }) => p.id)).not.toContain(pipeline.id);

    // The tombstone stays for the git integration.
    const row = await t.db.prisma.pipeline.findFirst({ where: { id: pipeline.id } });
    expect(row?.deletedAt).toBeInstanceOf(Date);
    expect(row?.name).toBe('Orders v2');
  });

  it('answers 409 when expected_version does not match, and leaves the pipeline unchanged', async () => {
    const { body } = await create({ name: 'Concurrent', definition });
    const id = body.data.id as string;
    const first = await t.http().patch(`/api/pipelines/${id}`).set('authorization', auth).send({ name: 'A', expected_version: 1 });
    expect(first.status).toBe(200);
    const second = await t.http().patch(`/api/pipelines/${id}`).set('authorization', auth).send({ name: 'B', expected_version: 1 });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('conflict');
    expect(second.body.error.details).toEqual([{ field: 'body.expected_version', issue: expect.stringContaining('2') }]);
    const current = await t.http().get(`/api/pipelines/${id}`).set('authorization', auth);
    expect(current.body.data).toMatchObject({ name: 'A', version: 2 });
  });

  it('lets exactly one of concurrent writers at the same version win', async () => {
    const { body } = await create({ name: 'Race', definition });
    const id = body.data.id as string;
    const results = await Promise.all(
      ['X', 'Y', 'Z'].map((name) => t.http().patch(`/api/pipelines/${id}`).set('authorization', auth).send({ name, expected_version: 1 })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
  });

  it('lets one of concurrent service-level updates at the same version win (both modes)', async () => {
    const { body } = await create({ name: 'Race2', definition });
    const team = await t.db.prisma.team.findUniqueOrThrow({ where: { name: 'pl-crud' } });
    const outcomes = await Promise.allSettled(
      ['X', 'Y', 'Z'].map((name) => updatePipeline(t.db.prisma, team.id, body.data.id, { name, expectedVersion: 1 })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
      expect(o.reason).toMatchObject({ status: 409, code: 'conflict' });
    }
    const current = await t.http().get(`/api/pipelines/${body.data.id}`).set('authorization', auth);
    expect(current.body.data.version).toBe(2);
  });

  it.each([
    ['missing name', { definition }, 'body.name'],
    ['empty name', { name: '   ', definition }, 'body.name'],
    ['name too long', { name: 'n'.repeat(41), definition }, 'body.name'],
    ['control character in name', { name: 'a\u0000b', definition }, 'body.name'],
    ['missing definition', { name: 'x' }, 'body.definition'],
    ['definition is an array', { name: 'x', definition: [1, 2] }, 'body.definition'],
    ['definition is a string', { name: 'x', definition: '{}' }, 'body.definition'],
    ['definition too large', { name: 'x', definition: { blob: 'x'.repeat(2100) } }, 'body.definition'],
    ['NUL inside definition', { name: 'x', definition: { s: 'a\u0000' } }, 'body.definition'],
    ['unknown field', { name: 'x', definition, owner: 'me' }, 'body'],
  ])('400 on create with %s', async (_label, body, field) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('400 on malformed JSON', async () => {
    const res = await t.http().post('/api/pipelines').set('authorization', auth).set('content-type', 'application/json').send('{"name":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it('413 for a body beyond the route body limit', async () => {
    const res = await create({ name: 'huge', definition: { blob: 'x'.repeat(1_100_000) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('accepts a definition right at the size limit', async () => {
    const overhead = JSON.stringify({ blob: '' }).length;
    const res = await create({ name: 'big', definition: { blob: 'x'.repeat(2048 - overhead) } });
    expect(res.status).toBe(201);
  });

  it('400 on an update with nothing to change or a bad expected_version', async () => {
    const { body } = await create({ name: 'Upd', definition });
    for (const [patch, field] of [
      [{}, 'body'],
      [{ expected_version: 1 }, 'body'],
      [{ name: 'ok', expected_version: 0 }, 'body.expected_version'],
      [{ name: 'ok', expected_version: '1' }, 'body.expected_version'],
      [{ definition: null }, 'body.definition'],
    ] as const) {
      const res = await t.http().patch(`/api/pipelines/${body.data.id}`).set('authorization', auth).send(patch);
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });

  it('404 for malformed and unknown ids', async () => {
    for (const id of ['nope', 'pl_', 'pl_01jq8zzzzzzzzzzzzzzzzzzzzz', 'pl_01JQ8ZZZZZZZZZZZZZZZZZZZZZ', `pl_${'0'.repeat(200)}`]) {
      const res = await t.http().get(`/api/pipelines/${encodeURIComponent(id)}`).set('authorization', auth);
      expect(res.status, id).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('401 without or with an invalid token', async () => {
    expect((await t.http().get('/api/pipelines')).status).toBe(401);
    const res = await t.http().post('/api/pipelines').set('authorization', 'Bearer at_invalid').send({ name: 'x', definition });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('403 when the token lacks the scope', async () => {
    const reader = bearer(await t.token({ team: 'pl-crud', user: 'reader', scopes: ['pipelines:read'] }));
    const writerOnly = bearer(await t.token({ team: 'pl-crud', user: 'writer', scopes: ['pipelines:write'] }));
    const { body } = await create({ name: 'Scoped', definition });
    const id = body.data.id as string;

    expect((await create({ name: 'x', definition }, reader)).status).toBe(403);
    expect((await t.http().patch(`/api/pipelines/${id}`).set('authorization', reader).send({ name: 'y' })).status).toBe(403);
    expect((await t.http().delete(`/api/pipelines/${id}`).set('authorization', reader)).status).toBe(403);
    const listed = await t.http().get('/api/pipelines').set('authorization', writerOnly);
    expect(listed.status).toBe(403);
    expect(listed.body.error.message).toContain('pipelines:read');
    expect((await t.http().get(`/api/pipelines/${id}`).set('authorization', writerOnly)).status).toBe(403);
    expect((await t.http().get(`/api/pipelines/${id}`).set('authorization', reader)).status).toBe(200);
  });

  it("hides another team's pipelines (404, and absent from lists)", async () => {
    const { body } = await create({ name: 'Private', definition });
    const id = body.data.id as string;
    const other = bearer(await t.token({ team: 'pl-crud-other', user: 'eve', scopes: ['pipelines:read', 'pipelines:write'] }));

    expect((await t.http().get(`/api/pipelines/${id}`).set('authorization', other)).status).toBe(404);
    expect((await t.http().patch(`/api/pipelines/${id}`).set('authorization', other).send({ name: 'mine' })).status).toBe(404);
    expect((await t.http().delete(`/api/pipelines/${id}`).set('authorization', other)).status).toBe(404);
    const list = await t.http().get('/api/pipelines').set('authorization', other);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ data: [], meta: { page: { limit: 50, cursor: null } } });

    const still = await t.http().get(`/api/pipelines/${id}`).set('authorization', auth);
    expect(still.body.data).toMatchObject({ name: 'Private', version: 1 });
  });
});
