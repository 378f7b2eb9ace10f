import { createHash } from 'node:crypto';
import secureJson from 'secure-json-parse';
import { z } from 'zod';
import { isPrefixedId } from '../../lib/ids.js';
import { jsonTextNestsDeeperThan, MAX_JSON_DEPTH } from '../../lib/json-input.js';
import type { PipelinesConfig } from '../pipelines/env.js';
import { pipelineContentSchema } from '../pipelines/pipelines/schemas.js';

// One pipeline = one file `<path_prefix><pipeline id>.json`:
//
//   {"definition": {...}, "id": "pl_...", "name": "..."}
//
// keys sorted at every depth, 2-space indent, trailing newline, so the same
// pipeline always gives the same bytes. `version` is deliberately NOT in the file:
// it counts edits in the app, and a no-op edit (save without change) would
// otherwise make a diff and a commit. The name and definition are the content.

export interface PipelineContent {
  name: string;
  definition: Record<string, unknown>;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function serialisePipeline(id: string, content: PipelineContent): string {
  return `${JSON.stringify(sortKeys({ id, name: content.name, definition: content.definition }), null, 2)}\n`;
}

export const pipelinePath = (prefix: string, id: string) => `${prefix}${id}.json`;

/** Same name and definition (key order is irrelevant). */
export function sameContent(a: PipelineContent, b: PipelineContent): boolean {
  return a.name === b.name && canonicalJson(a.definition) === canonicalJson(b.definition);
}

/** git's object id of a blob (SHA-1 repositories). */
export function blobSha(content: string | Buffer): string {
  const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
}

export type SkipReason =
  | 'symlink'
  | 'submodule'
  | 'too_large'
  | 'binary'
  | 'not_a_pipeline_file'
  | 'invalid_json'
  | 'invalid_pipeline'
  | 'invalid_id'
  | 'id_mismatch';

export type ParsedFile = { ok: true; id: string; content: PipelineContent } | { ok: false; reason: SkipReason; detail: string };

/** The pipeline id a path names, or null when the path is not `<prefix><name>.json` directly under the prefix. */
export function idFromPath(prefix: string, path: string): string | null {
  if (!path.startsWith(prefix)) return null;
  const rest = path.slice(prefix.length);
  if (rest.includes('/') || !rest.endsWith('.json')) return null;
  return rest.slice(0, -'.json'.length);
}

/** Checks one pipeline file read from git with the rules of `POST /api/pipelines`; build once per pull. */
export function pipelineFileParser(limits: PipelinesConfig): (id: string, bytes: Buffer) => ParsedFile {
  const { name, definition } = pipelineContentSchema(limits);
  const content = z.object({ name, definition });
  return (id, bytes) => parsePipelineFile(id, bytes, content);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

// The file wraps the definition in one object, so it may open one more level than the definition.
const MAX_FILE_DEPTH = MAX_JSON_DEPTH + 1;

function parsePipelineFile(id: string, bytes: Buffer, content: z.ZodType<PipelineContent>): ParsedFile {
  if (bytes.includes(0)) return { ok: false, reason: 'binary', detail: 'file contains NUL bytes' };
  // The id comes from the file name: it is in the path already, never echoed (it may hold any character).
  if (!isPrefixedId('pl', id)) return { ok: false, reason: 'invalid_id', detail: 'the file name is not a pipeline id (pl_ + 26 characters)' };
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false, reason: 'invalid_json', detail: 'file is not valid UTF-8' };
  }
  if (jsonTextNestsDeeperThan(text, MAX_FILE_DEPTH)) {
    return { ok: false, reason: 'invalid_pipeline', detail: `definition: must not nest deeper than ${MAX_JSON_DEPTH} levels` };
  }
  let parsed: unknown;
  try {
    // The parse Fastify gives request bodies: a key `__proto__`, or `constructor` holding `prototype`,
    // is refused here as POST /api/pipelines refuses it (plain JSON.parse would store it).
    parsed = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    return { ok: false, reason: 'invalid_json', detail: (error as Error).message.slice(0, 200) };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: 'invalid_pipeline', detail: 'expected a JSON object' };
  }
  const file = parsed as Record<string, unknown>;
  if (file.id !== undefined && file.id !== id) {
    return { ok: false, reason: 'id_mismatch', detail: 'the "id" in the file differs from the file name' };
  }
  const checked = content.safeParse({ name: file.name, definition: file.definition });
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`);
    return { ok: false, reason: 'invalid_pipeline', detail: issues.join('; ').slice(0, 500) };
  }
  return { ok: true, id, content: checked.data };
}
