import type { TestApp } from '../../helpers/app.js';

// Request builders for the push tests: every acai push test builds its bodies and repositories here.

export const SHA = (c: string) => c.repeat(40);

export interface SpecInput {
  feature: string;
  product?: string;
  requirements?: Record<string, unknown>;
  description?: string;
  version?: string;
  path?: string;
  raw_content?: string;
  commit?: string;
}

export function spec(input: SpecInput) {
  return {
    feature: {
      name: input.feature,
      product: input.product ?? currentProduct,
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.version === undefined ? {} : { version: input.version }),
    },
    requirements: input.requirements ?? { [`${input.feature}.MAIN.1`]: { requirement: 'Does the thing' } },
    meta: {
      path: input.path ?? `features/${input.feature}.feature.yaml`,
      last_seen_commit: input.commit ?? SHA('a'),
      ...(input.raw_content === undefined ? {} : { raw_content: input.raw_content }),
    },
  };
}

export function body(repo: string, branch: string, extra: Record<string, unknown> = {}) {
  return { repo_uri: repo, branch_name: branch, commit_hash: SHA('a'), ...extra };
}

export function pushWith(t: TestApp, token: string | null, payload: unknown) {
  const request = t.http().post('/api/v1/push').send(payload as object);
  return token === null ? request : request.set('Authorization', `Bearer ${token}`);
}

let counter = 0;
let currentProduct = 'shop';
/**
 * A repository URI of its own per test, so tests in one file never share branches; it also
 * starts a product of its own (the default of spec()), so implementations named after the
 * branch never collide across tests.
 */
export function repo(name = 'repo'): string {
  counter += 1;
  currentProduct = `shop-${counter}`;
  return `github.com/acme/${name}-${counter}`;
}
export const product = () => currentProduct;
