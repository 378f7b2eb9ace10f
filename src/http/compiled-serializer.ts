import fastJson from 'fast-json-stringify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

// The app's default response serialiser (fastify-type-provider-zod) encodes every response object
// through its zod schema, then JSON.stringify: a full validation pass per response, which on the
// hottest reads cost more CPU than the database round trip's JavaScript. For a route that opts in,
// the success responses are written by fast-json-stringify instead, compiled once from the JSON
// Schema of the same zod schema: same fields, same order, no per-response validation. Error
// responses, and any schema JSON Schema cannot express exactly, keep the zod serialiser.

type Compiled = (data: unknown) => string;

/** The JSON Schema of a zod output schema, when fast-json-stringify writes exactly what zod would. */
function compilable(schema: z.ZodType): Record<string, unknown> | null {
  let json: Record<string, unknown>;
  try {
    // unrepresentable: 'throw': transforms, dates and the like have no exact JSON Schema.
    json = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'throw' }) as Record<string, unknown>;
  } catch {
    return null;
  }
  // References and defaults would need fast-json-stringify's own reading of them: not worth the doubt.
  const text = JSON.stringify(json);
  if (text.includes('"$ref"') || text.includes('"default"')) return null;
  return json;
}

/** Compiles the success (2xx) response of a route with fast-json-stringify when its schema allows. */
export function compileResponse(schema: z.ZodType): Compiled | null {
  const json = compilable(schema);
  return json ? (fastJson(json) as Compiled) : null;
}

/**
 * Route option `serializerCompiler` for hot routes: 2xx responses compiled (see above), the rest
 * (error bodies) through the app's zod serialiser.
 */
export function compiledSuccessSerializer(route: FastifyRouteSchemaDef<unknown>): Compiled {
  const schema = route.schema instanceof z.ZodType ? route.schema : null;
  const compiled = schema && String(route.httpStatus).startsWith('2') ? compileResponse(schema) : null;
  return compiled ?? zodSerializerCompiler(route as Parameters<typeof zodSerializerCompiler>[0]);
}
