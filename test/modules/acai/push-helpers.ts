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

/** `references` of a push: `data` maps ACIDs to their refs. */
export function refs(data: Record<string, { path: string; is_test?: boolean }[]>, override = false) {
  return { override, data };
}

/** `features` specs of `product`, `feature-0` ..., each with `requirements` requirements (every tenth with a note). */
export function bigSpecs(features: number, requirements: number, product: string) {
  return Array.from({ length: features }, (_, f) =>
    spec({
      feature: `feature-${f}`,
      product,
      description: `Feature ${f}`,
      version: '1.2.3',
      requirements: Object.fromEntries(
        Array.from({ length: requirements }, (_, r) => [
          `feature-${f}.MAIN.${r + 1}`,
          { requirement: `Requirement ${r + 1} of feature ${f}`, note: r % 10 === 0 ? 'a note' : undefined },
        ]),
      ),
      commit: SHA('b'),
      raw_content: `feature:\n  name: feature-${f}\n`,
    }),
  );
}

/** One ref per requirement of bigSpecs(features, requirements), every other one a test. */
export function bigRefs(features: number, requirements: number) {
  const data: Record<string, { path: string; is_test: boolean }[]> = {};
  for (let f = 0; f < features; f++) {
    for (let r = 0; r < requirements; r++) data[`feature-${f}.MAIN.${r + 1}`] = [{ path: `src/feature-${f}.ts:${r + 1}`, is_test: r % 2 === 0 }];
  }
  return refs(data);
}

export function pushWith(t: TestApp, token: string | null, payload: unknown) {
  const request = t.http().post('/api/v1/push').send(payload as object);
  return token === null ? request : request.set('Authorization', `Bearer ${token}`);
}

/** A push that must succeed (fixtures): throws with the answer unless it is a 200. */
export async function pushOk(t: TestApp, token: string, payload: unknown) {
  const response = await pushWith(t, token, payload);
  if (response.status !== 200) throw new Error(`push failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response;
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
