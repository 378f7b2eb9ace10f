import { unprocessable } from '../../../lib/errors.js';
import { featureOfAcid } from '../domain/acid.js';
import type { PushBody } from './schemas.js';

// Turns a validated body into what the transaction writes, rejecting what needs no database:
// duplicate features (REQUEST.10), specs spanning products (NEW_IMPLS.4), a product_name that
// contradicts the specs (VALIDATION.6) and refs-only implementation inputs without a product (VALIDATION.7).

/** One requirement as stored in specs.requirements (data-model.SPECS.11-1). */
export interface StoredRequirement {
  definition: string;
  note?: string;
  is_deprecated: boolean;
  replaced_by: string[];
}

/** One spec as the push stores it. */
export interface PlannedSpec {
  feature_name: string;
  description: string | null;
  version: string;
  path: string;
  raw_content: string | null;
  last_seen_commit: string;
  requirements: Record<string, StoredRequirement>;
}

export type RefBuckets = Map<string, Record<string, { path: string; is_test: boolean }[]>>;

export interface PushPlan {
  repoUri: string;
  branchName: string;
  commitHash: string;
  /** From the specs when present, else `product_name`; null for a refs-only push without one. */
  productName: string | null;
  hasSpecs: boolean;
  targetImplName: string | null;
  parentImplName: string | null;
  specs: PlannedSpec[];
  /** Refs grouped by feature name (WRITE_REFS.1). */
  refs: RefBuckets;
  override: boolean;
}

export function planPush(body: PushBody): PushPlan {
  const specs = body.specs ?? [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.feature.name)) duplicates.add(spec.feature.name);
    seen.add(spec.feature.name);
  }
  if (duplicates.size > 0) {
    throw unprocessable(`Each feature may appear once per push; duplicated feature name(s): ${[...duplicates].join(', ')}`);
  }
  const products = [...new Set(specs.map((s) => s.feature.product))];
  if (products.length > 1) {
    throw unprocessable(`All specs in one push must belong to one product; got ${products.join(', ')}. Push each product separately`);
  }
  const specProduct = products[0] ?? null;
  const productName = body.product_name ?? null;
  if (specProduct !== null && productName !== null && specProduct !== productName) {
    throw unprocessable(`product_name '${productName}' does not match the product '${specProduct}' of the pushed specs`);
  }
  if (specProduct === null && productName === null && (body.target_impl_name || body.parent_impl_name)) {
    throw unprocessable(
      'A push without specs that names target_impl_name or parent_impl_name must also provide product_name, because refs do not identify a product',
    );
  }

  return {
    repoUri: body.repo_uri,
    branchName: body.branch_name,
    commitHash: body.commit_hash,
    productName: specProduct ?? productName,
    hasSpecs: specs.length > 0,
    targetImplName: body.target_impl_name ?? null,
    parentImplName: body.parent_impl_name ?? null,
    specs: specs.map((spec) => ({
      feature_name: spec.feature.name,
      description: spec.feature.description ?? null,
      version: spec.feature.version ?? '1.0.0',
      path: spec.meta.path,
      raw_content: spec.meta.raw_content ?? null,
      last_seen_commit: spec.meta.last_seen_commit,
      requirements: Object.fromEntries(Object.entries(spec.requirements).map(([acid, value]) => [acid, storedRequirement(value)])),
    })),
    refs: groupRefs(body.references?.data ?? {}),
    override: body.references?.override === true,
  };
}

function storedRequirement(value: string | { requirement: string; deprecated?: boolean | null; note?: string | null; replaced_by?: string[] | null }): StoredRequirement {
  if (typeof value === 'string') return { definition: value, is_deprecated: false, replaced_by: [] };
  return {
    definition: value.requirement,
    ...(value.note == null ? {} : { note: value.note }),
    is_deprecated: value.deprecated === true,
    replaced_by: value.replaced_by ?? [],
  };
}

function groupRefs(data: Record<string, { path: string; is_test?: boolean | null }[]>): RefBuckets {
  const buckets: RefBuckets = new Map();
  for (const [acid, list] of Object.entries(data)) {
    const feature = featureOfAcid(acid)!; // the schema accepted only ACIDs with a feature prefix
    let bucket = buckets.get(feature);
    if (!bucket) buckets.set(feature, (bucket = {}));
    bucket[acid] = list.map((ref) => ({ path: ref.path, is_test: ref.is_test === true }));
  }
  return buckets;
}
