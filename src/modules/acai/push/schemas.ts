import { z } from 'zod';
import { FEATURE_NAME_RE, featureOfAcid } from '../domain/acid.js';
import { storable } from '../../../lib/zod-text.js';
import { hasCredentials } from './repo-uri.js';

// Request and response schemas of POST /api/v1/push (push.REQUEST, FEAT, FEAT_META, SPEC_REQS, REFS, RESPONSE).
// Lengths are semantic caps checked in caps.ts (configurable, with a detail naming the cap), not here.

const text = () => storable(z.string({ error: 'must be a string' }));
const required = () => storable(z.string({ error: 'is required' }).trim().min(1, { error: 'cannot be blank' }));
const name = (what: string) =>
  z
    .string({ error: 'is required' })
    .trim()
    .min(1, { error: 'cannot be blank' })
    .max(255)
    .regex(FEATURE_NAME_RE, { error: `must be a ${what} of letters, digits, '-' and '_'` });
const implName = () => required().pipe(z.string().max(255));

// SemVer 2.0.0 (push.VALIDATION.2).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const requirementObject = z.object({
  requirement: text(),
  deprecated: z.boolean().nullish(),
  note: text().nullish(),
  replaced_by: z.array(text().pipe(z.string().max(512))).max(100).nullish(),
});

/** A requirement is an object (SPEC_REQS.1) or, as in feature.yaml, a bare string. */
const requirementValue = z.union([text(), requirementObject], { error: 'must be a string or an object with a `requirement` string' });

const spec = z.object({
  feature: z.object({
    name: name('feature name'),
    product: name('product name'),
    description: text().nullish(),
    version: z.string().regex(SEMVER, { error: 'must be a SemVer version such as 1.0.0' }).nullish(),
    prerequisites: z.array(text()).nullish(),
  }),
  requirements: z.record(required().pipe(z.string().max(512)), requirementValue, { error: 'must be an object of ACID to requirement' }),
  meta: z.object({
    path: required(),
    raw_content: text().nullish(),
    last_seen_commit: required().pipe(z.string().max(255)),
  }),
});

const ref = z.object({ path: required(), is_test: z.boolean().nullish() });

const refAcid = required()
  .pipe(z.string().max(512))
  .refine((acid) => featureOfAcid(acid) !== null, { error: 'must be an ACID such as my-feature.GROUP.1' });

export const acaiPushBody = z.strictObject({
  repo_uri: required().refine((uri) => !hasCredentials(uri), {
    error: 'must not contain credentials; send host/owner/repo (e.g. github.com/my-org/my-repo)',
  }),
  branch_name: required().pipe(z.string().max(255)),
  commit_hash: required().pipe(z.string().max(255)),
  specs: z.array(spec).nullish(),
  references: z
    .object({
      override: z.boolean().nullish(),
      data: z.record(refAcid, z.array(ref), { error: 'must be an object of ACID to a list of refs' }),
    })
    .nullish(),
  target_impl_name: implName().nullish(),
  parent_impl_name: implName().nullish(),
  product_name: name('product name').nullish(),
});

export type PushBody = z.infer<typeof acaiPushBody>;

export const pushResponse = z.object({
  data: z.object({
    branch_id: z.string(),
    implementation_id: z.string().nullable(),
    implementation_name: z.string().nullable(),
    product_name: z.string().nullable(),
    specs_created: z.number().int(),
    specs_updated: z.number().int(),
    warnings: z.array(z.string()),
  }),
});

