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

describe('statuses in the indexed form (statuses[0]=..., what qs sends by default) filters like the bare form', () => {
  const indexed = (...values: string[]): [string, string][] => values.map((v, i) => [`statuses[${i}]`, v]);

  it('on both endpoints, raw and encoded', async () => {
    for (const values of [['accepted'], ['null'], ['completed', 'null'], ['rejected']]) {
      const [plainList, indexedList] = await Promise.all([worklist(bare(...values)), worklist(indexed(...values))]);
      expect(indexedList.status, JSON.stringify(indexedList.body)).toBe(200);
      expect(indexedList.body, values.join(',')).toEqual(plainList.body);
      const [plainContext, indexedContext] = await Promise.all([context(bare(...values)), context(indexed(...values))]);
      expect(indexedContext.body, values.join(',')).toEqual(plainContext.body);
    }
    expect(featureNames(await worklist(indexed('rejected')))).toEqual([]);
    const base = '/api/v1/feature-context?product_name=api&implementation_name=prod&feature_name=auth';
    for (const query of ['&statuses[0]=null', '&statuses%5B0%5D=null', '&statuses%5b0%5d=null']) {
      const res = await t.http().get(`${base}${query}`).set('authorization', `Bearer ${token}`);
      expect(res.status, query).toBe(200);
      expect(acids(res), query).toEqual(['auth.LOGIN.2']);
    }
  });

  it('an invalid value in the indexed form is a 422 naming it', async () => {
    const res = await worklist(indexed('completed', 'done'));
    expect(res.status).toBe(422);
    expect(res.body.errors.detail).toMatch(/querystring\.statuses\.1 has unknown value "done"/);
  });

  it('a bracketed key in no known form is a 422 naming it, where it used to be ignored (an unfiltered answer)', async () => {
    for (const key of ['statuses[x]', 'statuses[][]']) {
      for (const call of [worklist, context]) {
        const res = await call([[key, 'rejected']]);
        expect(res.status, key).toBe(422);
        expect(res.body.errors.status).toBe('UNPROCESSABLE_ENTITY');
        expect(res.body.errors.detail).toContain(`querystring.${key} is not a form of a query parameter`);
      }
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
    const query: Record<string, unknown> = { 'statuses[]': ['null', 'completed'], statuses: 'accepted', product_name: 'api', 'a[': 'x' };
    foldBracketArrays(query);
    expect(query).toEqual({ statuses: ['accepted', 'null', 'completed'], product_name: 'api', 'a[': 'x' });
    const single: Record<string, unknown> = { 'statuses[]': 'null' };
    foldBracketArrays(single);
    expect(single).toEqual({ statuses: ['null'] });
  });

  it('merges `name[<n>]` (the qs default) by index after the other spellings', () => {
    const query: Record<string, unknown> = { 'statuses[10]': 'rejected', 'statuses[1]': 'null', statuses: 'accepted', 'statuses[]': 'assigned', 'statuses[0]': 'completed' };
    foldBracketArrays(query);
    expect(query).toEqual({ statuses: ['accepted', 'assigned', 'completed', 'null', 'rejected'] });
  });

  it('any other bracketed key is refused by name, never ignored', () => {
    for (const key of ['statuses[x]', 'statuses[][]', 'statuses[0][1]', 'a[b]', '[]', 'statuses[-1]', 'statuses[1234567]']) {
      expect(() => foldBracketArrays({ [key]: 'null' }), key).toThrow(expect.objectContaining({ status: 422, message: expect.stringContaining(`querystring.${key} is not a form`) }));
    }
  });

  it('a `__proto__[]` key becomes an own property, never the prototype', () => {
    const query: Record<string, unknown> = JSON.parse('{"__proto__[]": "polluted"}') as Record<string, unknown>;
    foldBracketArrays(query);
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(query, '__proto__')?.value).toEqual(['polluted']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
