import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { foldBracketArrays } from '../../../src/http/array-query.js';
import { getWith, seedAcai } from './fixtures.js';
import { scenario } from './scenario.js';

// Array query parameters of the acai read endpoints, in both spellings clients send:
// bare and repeated (`statuses=a&statuses=b`) and with brackets (`statuses[]=a&statuses[]=b`).
// The scenario (./scenario.ts): api/prod has auth (LOGIN.1 completed, LOGIN.2 and LOGIN.3
// without status; LOGIN.3 is deprecated, hidden by default) and billing (PAY.1 accepted).

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-arr' });
  await seedAcai(t.db.prisma, scenario('team-arr'));
});
afterAll(async () => t?.close());

const worklist = (query: [string, string][]) =>
  getWith(t, '/implementation-features', token, [['product_name', 'api'], ['implementation_name', 'prod'], ...query]);
const context = (query: [string, string][]) =>
  getWith(t, '/feature-context', token, [['product_name', 'api'], ['implementation_name', 'prod'], ['feature_name', 'auth'], ...query]);
const featureNames = (res: { body: { data: { features: { feature_name: string }[] } } }) => res.body.data.features.map((f) => f.feature_name);
const acids = (res: { body: { data: { acids: { acid: string }[] } } }) => res.body.data.acids.map((a) => a.acid);

const bare = (...values: string[]): [string, string][] => values.map((v) => ['statuses', v]);
const bracket = (...values: string[]): [string, string][] => values.map((v) => ['statuses[]', v]);

describe('statuses in the bracket form filters exactly like the bare form', () => {
  it('GET /implementation-features', async () => {
    const unfiltered = featureNames(await worklist([]));
    expect(unfiltered).toEqual(['auth', 'billing']);
    for (const values of [['accepted'], ['null'], ['completed', 'null'], ['rejected'], ['null', 'accepted']]) {
      const [plain, brackets] = await Promise.all([worklist(bare(...values)), worklist(bracket(...values))]);
      expect(brackets.status, JSON.stringify(brackets.body)).toBe(200);
      expect(brackets.body, values.join(',')).toEqual(plain.body);
    }
    expect(featureNames(await worklist(bracket('accepted')))).toEqual(['billing']);
    expect(featureNames(await worklist(bracket('rejected')))).toEqual([]);
  });

  it('GET /feature-context', async () => {
    for (const values of [['completed'], ['null'], ['completed', 'null'], ['rejected']]) {
      const [plain, brackets] = await Promise.all([context(bare(...values)), context(bracket(...values))]);
      expect(brackets.status, JSON.stringify(brackets.body)).toBe(200);
      expect(brackets.body, values.join(',')).toEqual(plain.body);
    }
    expect(acids(await context(bracket('completed', 'null')))).toEqual(['auth.LOGIN.1', 'auth.LOGIN.2']);
    expect(acids(await context(bracket('null')))).toEqual(['auth.LOGIN.2']);
    expect(acids(await context(bracket('rejected')))).toEqual([]);
  });

  it('both spellings in one request add up', async () => {
    expect(acids(await context([...bare('completed'), ...bracket('null')]))).toEqual(['auth.LOGIN.1', 'auth.LOGIN.2']);
    expect(featureNames(await worklist([...bracket('accepted'), ...bare('rejected')]))).toEqual(['billing']);
  });

  it('the bracket form in a raw query string (encoded or not) is read too', async () => {
    const base = '/api/v1/feature-context?product_name=api&implementation_name=prod&feature_name=auth';
    for (const query of ['&statuses[]=null', '&statuses%5B%5D=null', '&statuses%5b%5d=null']) {
      const res = await t.http().get(`${base}${query}`).set('authorization', `Bearer ${token}`);
      expect(res.status, query).toBe(200);
      expect(acids(res), query).toEqual(['auth.LOGIN.2']);
    }
  });
});

describe('an invalid value is a 422 naming it, in either form', () => {
  for (const [form, statuses] of [
    ['bare', bare] as const,
    ['bracket', bracket] as const,
  ]) {
    it(`${form} form, on both endpoints`, async () => {
      for (const call of [worklist, context]) {
        const res = await call(statuses('completed', 'done'));
        expect(res.status).toBe(422);
        expect(res.body.errors.status).toBe('UNPROCESSABLE_ENTITY');
        expect(res.body.errors.detail).toMatch(/^Request validation failed: querystring\.statuses\.1 has unknown value "done": must be one of null, assigned/);
        const empty = await call(statuses(''));
        expect(empty.status).toBe(422);
        expect(empty.body.errors.detail).toContain('querystring.statuses.0 has unknown value ""');
      }
    });
  }

  it('a long invalid value is cut in the message', async () => {
    const res = await context(bracket('x'.repeat(500)));
    expect(res.status).toBe(422);
    expect(res.body.errors.detail).toContain(`"${'x'.repeat(64)}…"`);
    expect(res.body.errors.detail).not.toContain('x'.repeat(65));
  });

  it('brackets on a single-valued parameter make it a list, which that parameter refuses (422, named)', async () => {
    const res = await getWith(t, '/feature-context', token, [['product_name[]', 'api'], ['implementation_name', 'prod'], ['feature_name', 'auth']]);
    expect(res.status).toBe(422);
    expect(res.body.errors.detail).toMatch(/querystring\.product_name/);
  });
});

describe('foldBracketArrays', () => {
  it('merges `name[]` into `name`, bare values first, and leaves other keys alone', () => {
    const query: Record<string, unknown> = { 'statuses[]': ['null', 'completed'], statuses: 'accepted', product_name: 'api', 'a[b]': 'x' };
    foldBracketArrays(query);
    expect(query).toEqual({ statuses: ['accepted', 'null', 'completed'], product_name: 'api', 'a[b]': 'x' });
    const single: Record<string, unknown> = { 'statuses[]': 'null' };
    foldBracketArrays(single);
    expect(single).toEqual({ statuses: ['null'] });
  });

  it('a `__proto__[]` key becomes an own property, never the prototype', () => {
    const query: Record<string, unknown> = JSON.parse('{"__proto__[]": "polluted"}') as Record<string, unknown>;
    foldBracketArrays(query);
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(query, '__proto__')?.value).toEqual(['polluted']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
