import { serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compiledSuccessSerializer, compileResponse } from '../../src/http/compiled-serializer.js';
import { pullSessionBody, pushSessionBody } from '../../src/modules/workspace/sessions/schemas.js';
import { listOf } from '../../src/modules/workspace/schemas.js';

// Routes that opt into compiled serialisation must answer byte for byte what the zod serialiser
// wrote: same fields, same order, same escaping, nulls kept, unknown fields dropped.

const route = (schema: z.ZodType, httpStatus = '200') => ({ schema, method: 'POST', url: '/x', httpStatus });
const zodWrite = (schema: z.ZodType) => serializerCompiler(route(schema) as Parameters<typeof serializerCompiler>[0]);

const pushRow = (over: Record<string, unknown> = {}) => ({
  id: 'wps_0123',
  workspaceBindingId: 'wsb_1',
  userId: '0190f3a2-6c1e-7bbb-8a55-5a3f1d2c4e5f',
  deviceId: 'dev_1',
  environmentId: 'env "quoted" \\ back',
  projectId: null,
  status: 'prepared',
  planSignature: 'sig_abc',
  plan: { files: ['a', 'b'], nested: { deep: [1, 2.5, true, null, 'ünïcödé 🚀', '\u2028'] }, empty: {} },
  metadata: null,
  createdAt: '2026-12-02T10:00:00.123Z',
  updatedAt: '2026-12-02T10:00:01.000Z',
  ...over,
});

describe('compiled response serialisation', () => {
  const prepared = z.object({ pushSession: pushSessionBody }).extend({ created: z.boolean() });
  const pull = z.object({ pullSession: pullSessionBody, updated: z.boolean() });
  const cases: [string, z.ZodType, unknown][] = [
    ['prepared push session, nulls', prepared, { pushSession: pushRow(), created: false }],
    ['prepared push session, values', prepared, { pushSession: pushRow({ projectId: 'prj_1', metadata: { a: { b: '<\u0007>' }, 'key "q"': 1 } }), created: true }],
    ['unknown fields are dropped', prepared, { pushSession: { ...pushRow(), prepared_slot: true, team_id: 'x' }, created: true, extra: 1 }],
    [
      'pull session with its apply fields',
      pull,
      {
        pullSession: { ...pushRow(), previewSignature: 'sig_p', preview: { x: [1] }, previewMetadata: null, previewAppliedAt: '2026-12-02T10:00:02.000Z', resultSignature: null, result: null, resultMetadata: null, resultAppliedAt: null },
        updated: true,
      },
    ],
    ['list envelope', listOf(pushSessionBody), { object: 'list', data: [pushRow(), pushRow({ id: 'wps_2', metadata: {} })], total_count: 2 }],
  ];

  for (const [name, schema, data] of cases) {
    it(`writes what the zod serialiser writes: ${name}`, () => {
      const compiled = compileResponse(schema);
      expect(compiled).not.toBeNull();
      expect(compiled!(data)).toBe(zodWrite(schema)(data));
    });
  }

  it('keeps the zod serialiser where JSON Schema cannot say exactly what zod writes, and for error responses', () => {
    expect(compileResponse(z.object({ at: z.date() }))).toBeNull();
    expect(compileResponse(z.object({ n: z.string().transform((s) => s.length) }))).toBeNull();
    expect(compileResponse(z.object({ n: z.number().default(1) }))).toBeNull();
    // A 4xx body goes through zod, which refuses what does not match its schema.
    const error = compiledSuccessSerializer(route(z.object({ error: z.string() }), '404'));
    expect(() => error({ error: 1 })).toThrow();
    const ok = compiledSuccessSerializer(route(z.object({ error: z.string() }), '200'));
    expect(ok({ error: 'x', other: 1 })).toBe('{"error":"x"}');
  });
});
