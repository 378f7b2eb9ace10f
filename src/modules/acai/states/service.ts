import { unprocessable } from '../../../lib/errors.js';
import { isFullAcid } from '../domain/acid.js';
import type { Sql } from '../../../db/handles.js';
import { featureNotFound, implementationNotFound } from '../domain/inheritance.js';
import type { Status } from '../domain/state.js';
import { loadCanonicalSpecs } from '../features/store.js';
import { loadImplementationChain } from '../implementations/service.js';
import { mergeFeatureStates, type StoredStates } from './store.js';

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
 * otherwise), then merges the states with one statement (see mergeFeatureStates). The reads
 * before it only decide 404s and warnings.
 */
export async function writeFeatureStates(db: Sql, teamId: string, input: StateWrite, now = new Date()) {
  const context = await loadImplementationChain(db, teamId, input.productName, input.implementationName);
  const spec = (await loadCanonicalSpecs(db, context, input.featureName)).get(input.featureName);
  if (!spec) throw featureNotFound(context, input.featureName);

  const updatedAt = now.toISOString();
  const incoming: StoredStates = {};
  for (const [acid, state] of Object.entries(input.states)) {
    incoming[acid] = { status: state.status, ...(state.comment === undefined ? {} : { comment: state.comment }), updated_at: updatedAt };
  }
  const ancestors = context.chain.filter((link) => link.depth > 0);
  const written = await mergeFeatureStates(db, teamId, context.implementation.id, ancestors, input.featureName, incoming, now);
  if (!written) throw implementationNotFound(input.implementationName, context.product.name);

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
