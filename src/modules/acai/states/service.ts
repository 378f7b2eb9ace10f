import { notFound, unprocessable } from '../../../lib/errors.js';
import { uuidv7 } from '../../../lib/ids.js';
import { isFullAcid } from '../domain/acid.js';
import { resolveImplementation, type SqlRunner } from '../domain/inheritance.js';
import { loadCanonicalSpecs } from '../features/resolution.js';
import type { Status } from './status.js';

export interface StateWriteCaps {
  maxAcids: number;
  maxCommentLength: number;
}

export interface StateWrite {
  productName: string;
  featureName: string;
  implementationName: string;
  states: Record<string, { status: Status | null; comment?: string | undefined }>;
}

/** Checks that need no database: caps (feature-states.ABUSE.2) and ACID prefixes (REQUEST.5, VALIDATION.2). */
export function validateStateWrite(input: StateWrite, caps: StateWriteCaps): void {
  const acids = Object.keys(input.states);
  if (acids.length > caps.maxAcids) {
    throw unprocessable(
      `feature-states request has ${acids.length} ACIDs; the maximum per request is ${caps.maxAcids}. Split the update into smaller requests`,
    );
  }
  for (const [acid, state] of Object.entries(input.states)) {
    if (state.comment !== undefined && state.comment.length > caps.maxCommentLength) {
      throw unprocessable(`State comment for ${acid} is ${state.comment.length} characters; the maximum is ${caps.maxCommentLength}`);
    }
  }
  const prefix = `${input.featureName}.`;
  const foreign = acids.filter((acid) => !acid.startsWith(prefix));
  if (foreign.length > 0) {
    throw unprocessable(`Every ACID in states must start with '${prefix}' (feature_name); got ${preview(foreign)}`);
  }
  const partial = acids.filter((acid) => !isFullAcid(acid));
  if (partial.length > 0) {
    throw unprocessable(`States must be keyed by full ACIDs such as '${prefix}GROUP.1'; got ${preview(partial)}`);
  }
}

/**
 * PATCH /feature-states: resolves the implementation and the feature's canonical spec (404
 * otherwise), then writes with ONE statement, which is the whole write transaction
 * (feature-states.TX.1): a first write starts from the nearest ancestor's states (WRITE.2),
 * later writes merge per ACID key (WRITE.3). Concurrent writers never fail and never wait on
 * each other across round trips: the conflict branch merges into whatever row won (last write
 * wins per ACID, TX.2). The reads before it only decide 404s and warnings.
 */
export async function writeFeatureStates(db: SqlRunner, teamId: string, input: StateWrite, now = new Date()) {
  const context = await resolveImplementation(db, teamId, input.productName, input.implementationName);
  const spec = (await loadCanonicalSpecs(db, context, input.featureName)).get(input.featureName);
  if (!spec) {
    throw notFound(
      `Feature '${input.featureName}' has no spec in product '${context.product.name}' for implementation ` +
        `'${context.implementation.name}' or its ancestors`,
    );
  }

  const updatedAt = now.toISOString();
  const incoming: Record<string, { status: Status | null; comment?: string; updated_at: string }> = {};
  for (const [acid, state] of Object.entries(input.states)) {
    incoming[acid] = { status: state.status, ...(state.comment === undefined ? {} : { comment: state.comment }), updated_at: updatedAt };
  }
  const payload = JSON.stringify(incoming);
  const ancestors = context.chain.filter((link) => link.depth > 0);

  // Selecting from implementations (team-scoped) makes a concurrently deleted target write nothing.
  const written = await db.$executeRaw`
    INSERT INTO feature_impl_states AS f (id, implementation_id, feature_name, states, created_at, updated_at)
    SELECT ${uuidv7()}::uuid, i.id, ${input.featureName},
           COALESCE((
             SELECT a.states FROM feature_impl_states a
               JOIN unnest(${ancestors.map((l) => l.id)}::uuid[], ${ancestors.map((l) => l.depth)}::int[]) AS ch(impl_id, depth)
                 ON ch.impl_id = a.implementation_id
              WHERE a.feature_name = ${input.featureName} AND jsonb_typeof(a.states) = 'object'
              ORDER BY ch.depth LIMIT 1
           ), '{}'::jsonb) || ${payload}::jsonb,
           ${now}, ${now}
      FROM implementations i
     WHERE i.id = ${context.implementation.id}::uuid AND i.team_id = ${teamId}::uuid
    ON CONFLICT (implementation_id, feature_name) DO UPDATE
      SET states = (CASE WHEN jsonb_typeof(f.states) = 'object' THEN f.states ELSE '{}'::jsonb END) || ${payload}::jsonb,
          updated_at = EXCLUDED.updated_at`;
  if (written === 0) throw notFound(`Implementation '${input.implementationName}' not found in product '${context.product.name}'`);

  const dangling = Object.keys(incoming).filter((acid) => !(acid in spec.requirements));
  return {
    product_name: context.product.name,
    feature_name: input.featureName,
    implementation_name: context.implementation.name,
    implementation_id: context.implementation.id,
    states_written: Object.keys(incoming).length,
    warnings: dangling.map((acid) => `Persisted dangling state for ${acid}: it is not a requirement of the resolved spec`),
  };
}

function preview(acids: string[]): string {
  const shown = acids.slice(0, 5).map((a) => `'${a}'`).join(', ');
  return acids.length > 5 ? `${shown} and ${acids.length - 5} more` : shown;
}
