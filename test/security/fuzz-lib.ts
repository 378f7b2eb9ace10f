import fc from 'fast-check';

// Requests generated from the OpenAPI document the app serves, then broken in the
// ways clients and attackers break them. Used by test/security/fuzz.test.ts.

type Schema = Record<string, unknown>;

export interface Operation {
  method: string;
  /** OpenAPI path with `{param}` segments. */
  path: string;
  pathParams: string[];
  query: { name: string; required: boolean; schema: Schema }[];
  body: Schema | null;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Raw bytes sent as the body (already encoded), or undefined for none. */
  body?: Buffer;
  /** What was done, for the failure message. */
  label: string;
}

export function operationsOf(document: { paths?: Record<string, Record<string, Schema>> }, skip: (path: string) => boolean): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    if (skip(path)) continue;
    for (const [method, op] of Object.entries(methods)) {
      const parameters = (op.parameters ?? []) as { in: string; name: string; required?: boolean; schema?: Schema }[];
      const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: Boolean(p.required), schema: p.schema ?? {} })),
        body: content?.['application/json']?.schema ?? null,
      });
    }
  }
  return operations;
}

// ---- values that satisfy a JSON Schema (roughly: validity is likely, not guaranteed)

const smallJson = fc.jsonValue({ maxDepth: 2 });

export function fromSchema(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => fromSchema(s, depth + 1)));
  if (Array.isArray(schema.type)) return fc.oneof(...(schema.type as string[]).map((type) => fromSchema({ ...schema, type }, depth)));
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = Math.max(Number(schema.minimum ?? -1000), -1_000_000);
      const max = Math.min(Number(schema.maximum ?? 1000), 1_000_000);
      return fc.integer({ min: Math.min(min, max), max });
    }
    case 'number':
      return fc.double({ min: Number(schema.minimum ?? -1e6), max: Number(schema.maximum ?? 1e6), noNaN: true, noDefaultInfinity: true });
    case 'string':
      return stringFor(schema);
    case 'array': {
      const items = (schema.items as Schema | undefined) ?? {};
      const minLength = Number(schema.minItems ?? 0);
      return fc.array(fromSchema(items, depth + 1), { minLength, maxLength: Math.max(minLength, Math.min(Number(schema.maxItems ?? 4), 4)) });
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      if (Object.keys(properties).length === 0) return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), smallJson, { maxKeys: 4 });
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(properties)) record[key] = fromSchema(value, depth + 1);
      return fc.record(record, { requiredKeys: ((schema.required ?? []) as string[]).filter((k) => k in properties) });
    }
    default:
      return smallJson;
  }
}

function stringFor(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  const minLength = Number(schema.minLength ?? 0);
  const maxLength = Math.max(minLength, Math.min(Number(schema.maxLength ?? 24), 24));
  if (typeof schema.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= Number(schema.maxLength ?? Infinity));
    } catch {
      // An expression fast-check cannot generate from: plain strings below.
    }
  }
  return fc.string({ minLength, maxLength });
}

// ---- breakage

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value];
  return value;
}

/** Values that break assumptions wherever they land. */
const evilValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    0,
    -1,
    0.5,
    1e308,
    -1e308,
    2 ** 64,
    -(2 ** 63),
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    'a\u0000b',
    '\u0000',
    '\ud800',
    'x\udfffy',
    '\ufeff',
    '../../etc/passwd',
    "'; DROP TABLE pipelines; --",
    '%00',
    '\u202e\u0007\u001b[31m',
    [],
    {},
    [null],
  ),
  fc.constantFrom(
    'x'.repeat(100_000),
    Array.from({ length: 20_000 }, (_, i) => i),
    nested(3000),
    nested(200, 'a\u0000'),
    { __proto__: null, constructor: { prototype: { polluted: true } } },
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  smallJson,
);

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'a'.repeat(600)];

type Path = (string | number)[];

function containers(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (value && typeof value === 'object') {
    out.push(path);
    for (const [key, child] of Object.entries(value)) containers(child, [...path, Array.isArray(value) ? Number(key) : key], out);
  }
  return out;
}

function leaves(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) leaves(child, [...path, Array.isArray(value) ? Number(key) : key], out);
  } else out.push(path);
  return out;
}

function at(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value);
}

function setAt(value: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const parent = at(value, path.slice(0, -1)) as Record<string | number, unknown>;
  // defineProperty: a plain assignment of "__proto__" would change the prototype, not add a key.
  Object.defineProperty(parent, path[path.length - 1]!, { value: next, enumerable: true, configurable: true, writable: true });
  return value;
}

/** A structured mutation of a valid value (JSON-serialisable result). */
export function mutateValue(valid: unknown): fc.Arbitrary<{ value: unknown; label: string }> {
  const copy = () => structuredClone(valid);
  const leafPaths = leaves(valid);
  const objectPaths = containers(valid);
  const options: fc.Arbitrary<{ value: unknown; label: string }>[] = [
    evilValue.map((evil) => ({ value: evil, label: 'whole body replaced' })),
  ];
  if (leafPaths.length) {
    options.push(
      // Every string at once: reaches fields a single-leaf mutation rarely picks.
      fc.constantFrom('a\u0000b', 'x\ud800y', '\udfff', 'x'.repeat(70_000)).map((evil) => {
        let value = copy();
        for (const path of leafPaths) if (typeof at(value, path) === 'string') value = setAt(value, path, evil);
        return { value, label: `every string leaf = ${JSON.stringify(evil.slice(0, 8))}` };
      }),
      fc.tuple(fc.constantFrom(...leafPaths), evilValue).map(([path, evil]) => ({ value: setAt(copy(), path, evil), label: `leaf ${path.join('.')} replaced` })),
    );
  }
  if (objectPaths.length) {
    options.push(
      fc
        .tuple(fc.constantFrom(...objectPaths), fc.oneof(fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 12 })), evilValue)
        .map(([path, key, evil]) => {
          const value = copy();
          const target = at(value, path);
          if (Array.isArray(target)) target.push(evil);
          else setAt(value, [...path, key], evil);
          return { value, label: `extra key ${JSON.stringify(key)} at ${path.join('.') || 'root'}` };
        }),
      fc.constantFrom(...objectPaths).map((path) => {
        const value = copy();
        const target = at(value, path) as Record<string, unknown>;
        const key = Object.keys(target)[0];
        if (key !== undefined) {
          if (Array.isArray(target)) target.splice(0, 1);
          else delete target[key];
        }
        return { value, label: `first key of ${path.join('.') || 'root'} removed` };
      }),
    );
  }
  return fc.oneof(...options);
}

const INVALID_UTF8 = [Buffer.from([0xff]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0x00])];

/** Raw-body breakage: bytes the JSON parser itself has to reject or survive. */
export function mutateRaw(validJson: string): fc.Arbitrary<{ body: Buffer; contentType: string; label: string }> {
  const json = 'application/json';
  const text = Buffer.from(validJson);
  return fc.oneof(
    fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => ({ body: text.subarray(0, cut), contentType: json, label: `truncated at ${cut}` })),
    fc.tuple(fc.nat({ max: text.length }), fc.constantFrom(...INVALID_UTF8)).map(([pos, bytes]) => ({
      body: Buffer.concat([text.subarray(0, pos), bytes, text.subarray(pos)]),
      contentType: json,
      label: `invalid UTF-8 ${bytes.toString('hex')} at ${pos}`,
    })),
    fc
      .constantFrom(
        '{"__proto__":{"polluted":true}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        '{"a":1,"a":2}',
        '{"x":"\\ud800"}',
        '{"x":"\\u0000"}',
        '[]',
        'null',
        '"string"',
        '1e999999',
        '{',
        '\ufeff{}',
        `${'['.repeat(5000)}${']'.repeat(5000)}`,
        `{"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
        `{"a":${'['.repeat(400_000)}${']'.repeat(400_000)}}`,
      )
      .map((raw) => ({ body: Buffer.from(raw), contentType: json, label: `raw ${raw.slice(0, 40)}` })),
    fc.constant({ body: Buffer.from(validJson.replace(/^\{/, '{"__proto__":{"polluted":true},')), contentType: json, label: '__proto__ key in valid body' }),
    fc.constant({ body: Buffer.alloc(0), contentType: json, label: 'empty JSON body' }),
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml').map((contentType) => ({
      body: text,
      contentType,
      label: `content-type ${contentType}`,
    })),
    fc.constant({ body: Buffer.alloc(2 * 1024 * 1024 + 7, 0x20), contentType: json, label: 'body over the size limit' }),
  );
}

/** Values for one query parameter or path segment, already URL-encoded. */
export const evilParam: fc.Arbitrary<string> = fc.oneof(
  // NUL is what Postgres text refuses: weighted up, it found the unguarded filters.
  { weight: 2, arbitrary: fc.constantFrom('%00', 'a%00b', 'x%00') },
  fc.constantFrom('', '%00', 'a%00b', '%E0%A4%A', '%ED%A0%80', '%FF', '%', '%%', '..%2F..%2Fetc', '%2e%2e', 'null', 'undefined', '-1', '1e999', '0x10', 'true', '__proto__', 'constructor', '%F0%9F%98%80'),
  fc.constant('x'.repeat(300)),
  fc.constant('y'.repeat(2000)),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);

export const evilAuthorization: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', 'Bearer', 'Bearer ', 'Bearer  ', 'bearer x', 'Basic Og==', 'Bearer at_', 'Bearer at_' + 'a'.repeat(5000), 'Bearer a b', 'Token x', 'Bearer \t'),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[\r\n\0]/g, '')),
);
