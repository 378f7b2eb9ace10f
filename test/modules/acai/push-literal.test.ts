import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { jsonLiteral } from '../../../src/modules/acai/push/literal.js';

// The push writes tenant strings into SQL text as one JSON literal (literal.ts). The literal must
// read back exactly, and the same, whatever the connection's client_encoding: in a multi-byte
// encoding such as SJIS, the second byte of a character can be 0x5c (a backslash) and change how
// the escaping after it is read.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const VALUES = [`ソ\\'`, `表'`, `Ã\\"`, `é中文😀 ' \\ $$`, '\u2028\u2029\u0085', "'); SELECT 1; --"];

describe('jsonLiteral', () => {
  it('is pure ASCII, so no client encoding can read its quotes and backslashes differently', () => {
    for (const value of VALUES) expect(jsonLiteral({ value })).toMatch(/^[\x20-\x7e]*$/);
  });

  it('reads back exactly as the value it was written from', async () => {
    for (const value of VALUES) {
      const { rows } = await t.db.pool.query<{ v: unknown }>(`SELECT ${jsonLiteral({ value })} AS v`);
      expect(rows[0]!.v).toEqual({ value });
    }
  });

  it('reads back the same on a connection whose client_encoding is SJIS', async (ctx) => {
    if (t.db.singleSession) return ctx.skip(); // PGlite: one session shared by every connection, UTF8 only
    const client = await t.db.pool.connect();
    try {
      const digestOf = async (value: string) =>
        (await client.query<{ d: string }>(`SELECT md5((${jsonLiteral({ value })})::text) AS d`)).rows[0]!.d;
      const expected: string[] = [];
      for (const value of VALUES) expected.push(await digestOf(value));
      await client.query(`SET client_encoding TO 'SJIS'`);
      for (const [i, value] of VALUES.entries()) expect(await digestOf(value)).toBe(expected[i]);
    } finally {
      await client.query('RESET client_encoding').catch(() => undefined);
      client.release();
    }
  });
});
