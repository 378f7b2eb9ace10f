import { z } from 'zod';
import { withoutNul } from '../../../lib/zod-text.js';
import { STATUS_VALUES } from '../domain/state.js';

// Query and response schemas of GET /implementation-features and GET /feature-context.
// Response schemas are whitelists and follow the reference OpenAPI field names.

export const requiredName = () => withoutNul(z.string({ error: 'is required' }).trim().min(1, { error: 'cannot be blank' }).max(255));

const queryBoolean = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .optional()
  .transform((value) => value === 'true');

/**
 * `statuses` query values: the literal `null` selects ACIDs without a status
 * (feature-context.REQUEST.7-1). A single value arrives as a string, repeats as an array;
 * `statuses[]=...` and `statuses[0]=...` are folded into `statuses` before validation (src/http/array-query.ts).
 */
const STATUS_FILTERS = ['null', ...STATUS_VALUES] as const;

/** Names the refused value (cut to 64 characters), so that the CLI user sees which one it was. */
const unknownStatus = (input: unknown) => {
  const text = typeof input === 'string' ? input : JSON.stringify(input) ?? String(input);
  return `has unknown value ${JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text)}: must be one of ${STATUS_FILTERS.join(', ')}`;
};

const statusesQuerySchema = z
  .preprocess(
    (value) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]),
    z.array(z.string().trim().pipe(z.enum(STATUS_FILTERS, { error: (issue) => unknownStatus(issue.input) }))),
  )
  .optional()
  .transform((values) => (values && values.length > 0 ? new Set<string | null>(values.map((v) => (v === 'null' ? null : v))) : undefined))
  .describe('Repeat for several, bare (`statuses=completed&statuses=null`) or with brackets (`statuses[]=completed&statuses[]=null`); `null` is no status');

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
