// Requirement IDs ("ACIDs"): `<feature>.<GROUP>.<N>` or `<feature>.<GROUP>.<N>-<M>` (feature-yaml ACID.2).
// The feature name is everything before the first `.`; refs and states are bucketed by it.

/** Feature and product names: alphanumerics, `-` and `_` (push.VALIDATION.1, data-model.PRODUCTS.3-1). */
export const FEATURE_NAME_RE = /^[A-Za-z0-9_-]+$/;

// Group keys are upper-case by convention (feature-yaml COMPONENTS.1-1); lower case is accepted so
// that a hand-written ref is still bucketed under its feature rather than rejected.
const FULL_ACID_RE = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)\.([0-9]+(?:-[0-9]+)?)$/;

export interface ParsedAcid {
  featureName: string;
  group: string;
  /** `1` or `1-2` (a sub-requirement). */
  number: string;
}

/** The parts of a full ACID, or null when it is not one. */
export function parseAcid(acid: string): ParsedAcid | null {
  const match = FULL_ACID_RE.exec(acid);
  if (!match) return null;
  return { featureName: match[1]!, group: match[2]!, number: match[3]! };
}

export const isFullAcid = (acid: string): boolean => FULL_ACID_RE.test(acid);

/**
 * The feature an ACID belongs to, or null when the prefix is not a valid feature name or nothing
 * follows it. Looser than parseAcid: refs may name any ACID-like key (push.REFS.3).
 */
export function featureOfAcid(acid: string): string | null {
  const dot = acid.indexOf('.');
  if (dot <= 0 || dot === acid.length - 1) return null;
  const feature = acid.slice(0, dot);
  return FEATURE_NAME_RE.test(feature) ? feature : null;
}
