import { z } from 'zod';
import { statusesQuerySchema } from '../states/status.js';

// Query and response schemas of GET /implementation-features and GET /feature-context.
// Response schemas are whitelists and follow the reference OpenAPI field names.

// Postgres text cannot hold NUL: refused here rather than failing in the query (a 500).
export const requiredName = () =>
  z.string({ error: 'is required' }).trim().min(1, { error: 'cannot be blank' }).max(255).refine((v) => !v.includes('\u0000'), { error: 'must not contain NUL characters' });

const queryBoolean = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .optional()
  .transform((value) => value === 'true');

export const errorBody = z.object({ errors: z.object({ detail: z.string(), status: z.string().optional() }) });

export const implementationFeaturesQuery = z.object({
  product_name: requiredName(),
  implementation_name: requiredName(),
  statuses: statusesQuerySchema,
  changed_since_commit: z.string().trim().min(1).max(255).optional(),
});

const featureEntry = z.object({
  feature_name: z.string(),
  description: z.string().nullable(),
  completed_count: z.number().int(),
  total_count: z.number().int(),
  refs_count: z.number().int(),
  test_refs_count: z.number().int(),
  has_local_spec: z.boolean(),
  has_local_states: z.boolean(),
  spec_last_seen_commit: z.string().nullable(),
  states_inherited: z.boolean(),
  refs_inherited: z.boolean(),
});

export const implementationFeaturesResponse = z.object({
  data: z.object({
    product_name: z.string(),
    implementation_name: z.string(),
    implementation_id: z.string(),
    features: z.array(featureEntry),
  }),
});

export const featureContextQuery = z.object({
  product_name: requiredName(),
  feature_name: requiredName(),
  implementation_name: requiredName(),
  include_refs: queryBoolean,
  include_dangling_states: queryBoolean,
  include_deprecated: queryBoolean,
  statuses: statusesQuerySchema,
});

const source = z.object({
  source_type: z.enum(['local', 'inherited', 'none']),
  implementation_name: z.string().optional(),
  branch_names: z.array(z.string()).optional(),
});

const state = z.object({
  status: z.string().nullable(),
  comment: z.string().optional(),
  updated_at: z.string().optional(),
});

const acidEntry = z.object({
  acid: z.string(),
  requirement: z.string(),
  note: z.string().optional(),
  deprecated: z.boolean(),
  replaced_by: z.array(z.string()),
  state,
  refs_count: z.number().int(),
  test_refs_count: z.number().int(),
  refs: z
    .array(z.object({ path: z.string(), is_test: z.boolean(), repo_uri: z.string(), branch_name: z.string() }))
    .optional(),
});

export const featureContextResponse = z.object({
  data: z.object({
    product_name: z.string(),
    feature_name: z.string(),
    implementation_name: z.string(),
    implementation_id: z.string(),
    spec_source: source,
    states_source: source,
    refs_source: source,
    summary: z.object({ total_acids: z.number().int(), status_counts: z.record(z.string(), z.number().int()) }),
    acids: z.array(acidEntry),
    dangling_states: z.array(z.object({ acid: z.string(), state })).optional(),
    warnings: z.array(z.string()),
  }),
});
