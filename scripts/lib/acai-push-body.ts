import { randomBytes } from 'node:crypto';

/**
 * A synthetic acai push for load and fault tests: `specs` features of `requirements`
 * requirements each, and `refs` code references spread round-robin over those requirements.
 */
export function syntheticPushBody(opts: { repo: string; branch: string; product: string; specs: number; requirements: number; refs: number; commit?: string }) {
  const features = Array.from({ length: opts.specs }, (_, s) => `feat${s}`);
  const acids = features.flatMap((f) => Array.from({ length: opts.requirements }, (_, r) => `${f}.MAIN.${r + 1}`));
  const data: Record<string, { path: string; is_test: boolean }[]> = {};
  for (let i = 0; i < opts.refs; i++) {
    const acid = acids[i % acids.length]!;
    (data[acid] ??= []).push({ path: `src/${acid.split('.')[0]}/file${i}.ts:${(i % 500) + 1}`, is_test: i % 3 === 0 });
  }
  return {
    repo_uri: opts.repo,
    branch_name: opts.branch,
    commit_hash: opts.commit ?? randomBytes(20).toString('hex'),
    specs: features.map((feature) => ({
      feature: { name: feature, product: opts.product },
      requirements: Object.fromEntries(
        Array.from({ length: opts.requirements }, (_, r) => [`${feature}.MAIN.${r + 1}`, { requirement: `The system does thing ${r + 1} of ${feature}` }]),
      ),
      meta: { path: `features/${feature}.feature.yaml`, last_seen_commit: '0'.repeat(40) },
    })),
    references: { data, override: false },
  };
}
