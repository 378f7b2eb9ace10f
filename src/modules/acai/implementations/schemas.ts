import { z } from 'zod';
import { withoutNul } from '../../../lib/zod-text.js';

const optionalName = withoutNul(z.string().trim().min(1, { error: 'cannot be blank' }).max(1024)).optional();

/**
 * Product-scoped (`product_name`) or branch-scoped (`repo_uri` + `branch_name`) lookup;
 * the branch filter is a pair and is required without a product (implementations.FILTERS.3/4, REQUEST.1-1).
 */
export const implementationsQuery = z
  .object({
    product_name: optionalName,
    repo_uri: optionalName,
    branch_name: optionalName,
    feature_name: optionalName,
  })
  .superRefine((q, ctx) => {
    if (q.repo_uri !== undefined && q.branch_name === undefined) {
      ctx.addIssue({ code: 'custom', path: ['branch_name'], message: 'is required when repo_uri is provided' });
    } else if (q.branch_name !== undefined && q.repo_uri === undefined) {
      ctx.addIssue({ code: 'custom', path: ['repo_uri'], message: 'is required when branch_name is provided' });
    } else if (q.product_name === undefined && q.repo_uri === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'repo_uri and branch_name are required when product_name is omitted' });
    }
  });

export const implementationsResponse = z.object({
  data: z.object({
    product_name: z.string().optional(),
    repo_uri: z.string().optional(),
    branch_name: z.string().optional(),
    implementations: z.array(
      z.object({ implementation_name: z.string(), implementation_id: z.string(), product_name: z.string() }),
    ),
  }),
});

