import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';

describe('pipelines list pagination', () => {
  let t: TestApp;
  let auth: string;
  const created: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    auth = `Bearer ${await t.token({ team: 'pl-pages', user: 'pat', scopes: ['pipelines:read', 'pipelines:write'] })}`;
    for (let i = 0; i < 23; i++) {
      const res = await t.http().post('/api/pipelines').set('authorization', auth).send({ name: `p${i}`, definition: { i } });
      expect(res.status).toBe(201);
      created.push(res.body.data.id);
    }
    // A deleted pipeline must not show up on any page.
    expect((await t.http().delete(`/api/pipelines/${created[5]}`).set('authorization', auth)).status).toBe(204);
  });
  afterAll(async () => t?.close());

  const live = () => created.filter((_, i) => i !== 5).sort();

  it('walks every page in id order with the next-page cursor, ending with null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=5&cursor=${encodeURIComponent(cursor)}` : '?limit=5';
      const res = await t.http().get(`/api/pipelines${query}`).set('authorization', auth);
      expect(res.status).toBe(200);
      expect(res.body.meta.page.limit).toBe(5);
      expect(res.body.data.length).toBeLessThanOrEqual(5);
      seen.push(...res.body.data.map((p: { id: string }) => p.id));
      cursor = res.body.meta.page.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5); // 22 live pipelines: 5+5+5+5+2
    expect(seen).toEqual(live());
  });

  it('returns null as cursor when the last page is exactly full', async () => {
    const first = await t.http().get('/api/pipelines?limit=11').set('authorization', auth);
    expect(first.body.data).toHaveLength(11);
    const second = await t.http().get(`/api/pipelines?limit=11&cursor=${first.body.meta.page.cursor}`).set('authorization', auth);
    expect(second.body.data).toHaveLength(11);
    expect(second.body.meta.page.cursor).toBeNull();
  });

  it('defaults to 50 per page and accepts up to 200', async () => {
    const res = await t.http().get('/api/pipelines').set('authorization', auth);
    expect(res.body.meta.page).toEqual({ limit: 50, cursor: null });
    expect(res.body.data.map((p: { id: string }) => p.id)).toEqual(live());
    expect((await t.http().get('/api/pipelines?limit=200').set('authorization', auth)).status).toBe(200);
  });

  it.each([
    ['limit=0', 'querystring.limit'],
    ['limit=201', 'querystring.limit'],
    ['limit=abc', 'querystring.limit'],
    ['limit=1.5', 'querystring.limit'],
    ['cursor=not-a-cursor', 'querystring.cursor'],
    [`cursor=${Buffer.from('{"after":"x"}').toString('base64url')}`, 'querystring.cursor'],
  ])('400 for %s', async (query, field) => {
    const res = await t.http().get(`/api/pipelines?${query}`).set('authorization', auth);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });
});
