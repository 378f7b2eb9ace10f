import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../../lib/auth/tokens.js';
import type { PushCaps } from '../env.js';
import { DIGEST_VERSION } from './digest.js';
import type { PushResult, RawMiss } from './service.js';
import { findRawReplay } from './store.js';

// An identical re-push answered before its body is parsed. The plan-level replay (service.ts)
// still parses, validates, cap-checks and plans the body, and hashes the plan, which for a large
// push costs a third of the push itself. Here the raw bytes are hashed as they arrive and looked
// up in the same replay row, under a digest that also covers everything else the full path's
// answer or refusal depends on: the team, the token's push scopes, the caps and the code's digest
// version. A body that hits was accepted by the full path with exactly these inputs, at the
// team's current data version, so the full path would answer it the same way now. A miss goes on
// to the full path, which takes this read's version instead of reading its own, so a changed push
// keeps its three round trips; a re-formatted copy of a large push is no longer read-only (it runs
// the full path, which finds nothing to write and stores the replay under the new raw digest).

/**
 * Smaller bodies keep the plan-level replay, which also answers a re-formatted copy: parsing and
 * planning them costs little, and is all this path would save.
 */
const RAW_REPLAY_MIN_BYTES = 16 * 1024;

/** The scopes the full path checks (push.AUTH.2-4): a hit requires the same set as the push that stored it. */
const REPLAY_KEY_SCOPES = ['specs:write', 'refs:write', 'impls:write'] as const;

export interface RawReplay {
  /** The route's application/json parser: digests the raw body, answers a hit without parsing it. */
  parse(request: FastifyRequest, body: Buffer): Promise<unknown>;
  /** The route's preValidation hook: sends the replayed answer of a hit (validation and handler do not run). */
  answer(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** The raw digest of this request's body and the version its lookup saw, for the full path; null when not looked up. */
  missOf(request: FastifyRequest): RawMiss | null;
}

export function rawReplay(app: FastifyInstance, caps: PushCaps): RawReplay {
  // Fastify's own JSON parser, with the app's prototype-poisoning settings: a miss parses exactly as any other route.
  const parseJson = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
  const settings = JSON.stringify([DIGEST_VERSION, caps]);
  const misses = new WeakMap<FastifyRequest, RawMiss>();
  const hits = new WeakMap<FastifyRequest, PushResult>();

  const digest = (auth: AuthContext, body: Buffer) =>
    createHash('sha256')
      .update(`${JSON.stringify([settings, auth.teamId, REPLAY_KEY_SCOPES.map((scope) => auth.scopes.has(scope))])}\n`)
      .update(body)
      .digest();

  return {
    async parse(request, body) {
      const auth = request.auth;
      if (auth && body.length >= RAW_REPLAY_MIN_BYTES) {
        const rawDigest = digest(auth, body);
        const seen = await findRawReplay<PushResult>(app.db.sql, auth.teamId, rawDigest);
        misses.set(request, { digest: rawDigest, version: seen.version });
        if (seen.response) {
          hits.set(request, seen.response);
          // Never validated: answer() replies first. Should it not, null fails validation rather than pass as a push.
          return null;
        }
      }
      return new Promise((resolve, reject) => parseJson(request, body.toString('utf8'), (error, value) => (error ? reject(error) : resolve(value))));
    },
    async answer(request, reply) {
      const response = hits.get(request);
      if (response) return reply.send({ data: response });
      return undefined;
    },
    missOf: (request) => misses.get(request) ?? null,
  };
}
