import type { PrismaClient } from '../../../src/generated/prisma/client.js';
import { uuidv7 } from '../../../src/lib/ids.js';
import type { TestApp } from '../../helpers/app.js';

// Inserts acai data directly (tests only), so read and state endpoints can be tested
// without the push endpoint. Branches are named `repo@branch`.

export interface ImplementationSeed {
  name: string;
  parent?: string;
  branches?: string[];
}

export interface SpecSeed {
  product: string;
  branch: string;
  feature: string;
  requirements: Record<string, { requirement: string; note?: string; deprecated?: boolean; replaced_by?: string[] }>;
  description?: string;
  lastSeenCommit?: string;
  updatedAt?: Date;
}

export interface RefSeed {
  branch: string;
  feature: string;
  refs: Record<string, { path: string; is_test?: boolean }[]>;
}

export interface StateSeed {
  product: string;
  implementation: string;
  feature: string;
  states: Record<string, { status: string | null; comment?: string; updated_at?: string }>;
}

export interface AcaiSeed {
  team: string;
  products: Record<string, ImplementationSeed[]>;
  specs?: SpecSeed[];
  refs?: RefSeed[];
  states?: StateSeed[];
}

export interface Seeded {
  teamId: string;
  productIds: Record<string, string>;
  /** By `product/implementation`. */
  implementationIds: Record<string, string>;
  /** By `repo@branch`. */
  branchIds: Record<string, string>;
}

function splitBranch(key: string): { repoUri: string; branchName: string } {
  const at = key.lastIndexOf('@');
  return { repoUri: key.slice(0, at), branchName: key.slice(at + 1) };
}

export async function seedAcai(prisma: PrismaClient, seed: AcaiSeed): Promise<Seeded> {
  const team = await prisma.team.upsert({ where: { name: seed.team }, create: { id: uuidv7(), name: seed.team }, update: {} });
  const result: Seeded = { teamId: team.id, productIds: {}, implementationIds: {}, branchIds: {} };

  const branchKeys = new Set<string>([
    ...Object.values(seed.products).flatMap((impls) => impls.flatMap((i) => i.branches ?? [])),
    ...(seed.specs ?? []).map((s) => s.branch),
    ...(seed.refs ?? []).map((r) => r.branch),
  ]);
  for (const key of branchKeys) result.branchIds[key] = uuidv7();
  await prisma.branch.createMany({
    data: [...branchKeys].map((key) => ({
      id: result.branchIds[key]!,
      teamId: team.id,
      ...splitBranch(key),
      lastSeenCommit: 'c0ffee',
    })),
  });

  for (const [productName, implementations] of Object.entries(seed.products)) {
    const productId = uuidv7();
    result.productIds[productName] = productId;
    await prisma.product.create({ data: { id: productId, teamId: team.id, name: productName } });
    for (const impl of implementations) result.implementationIds[`${productName}/${impl.name}`] = uuidv7();
    await prisma.implementation.createMany({
      data: implementations.map((impl) => ({
        id: result.implementationIds[`${productName}/${impl.name}`]!,
        productId,
        teamId: team.id,
        name: impl.name,
      })),
    });
    for (const impl of implementations.filter((i) => i.parent)) {
      await prisma.implementation.update({
        where: { id: result.implementationIds[`${productName}/${impl.name}`]! },
        data: { parentImplementationId: result.implementationIds[`${productName}/${impl.parent}`]! },
      });
    }
    await prisma.trackedBranch.createMany({
      data: implementations.flatMap((impl) =>
        (impl.branches ?? []).map((key) => ({
          implementationId: result.implementationIds[`${productName}/${impl.name}`]!,
          branchId: result.branchIds[key]!,
          repoUri: splitBranch(key).repoUri,
        })),
      ),
    });
  }

  if (seed.specs?.length) {
    await prisma.spec.createMany({
      data: seed.specs.map((spec) => ({
        id: uuidv7(),
        productId: result.productIds[spec.product]!,
        branchId: result.branchIds[spec.branch]!,
        featureName: spec.feature,
        featureDescription: spec.description ?? null,
        lastSeenCommit: spec.lastSeenCommit ?? 'c0ffee',
        parsedAt: new Date(),
        requirements: spec.requirements,
      })),
    });
    // updated_at is managed by Prisma on create; set explicit ones afterwards.
    for (const spec of seed.specs.filter((s) => s.updatedAt)) {
      await prisma.$executeRaw`
        UPDATE specs SET updated_at = ${spec.updatedAt}
         WHERE branch_id = ${result.branchIds[spec.branch]}::uuid AND product_id = ${result.productIds[spec.product]}::uuid
           AND feature_name = ${spec.feature}`;
    }
  }

  if (seed.refs?.length) {
    await prisma.featureBranchRef.createMany({
      data: seed.refs.map((ref) => ({
        id: uuidv7(),
        branchId: result.branchIds[ref.branch]!,
        featureName: ref.feature,
        refs: ref.refs,
        commit: 'c0ffee',
        pushedAt: new Date(),
      })),
    });
  }

  if (seed.states?.length) {
    await prisma.featureImplState.createMany({
      data: seed.states.map((state) => ({
        id: uuidv7(),
        implementationId: result.implementationIds[`${state.product}/${state.implementation}`]!,
        featureName: state.feature,
        states: state.states,
      })),
    });
  }
  return result;
}

/** Stored states of one implementation and feature, or null when it has no row. */
export async function storedStates(prisma: PrismaClient, implementationId: string, featureName: string) {
  const row = await prisma.featureImplState.findUnique({
    where: { implementationId_featureName: { implementationId, featureName } },
  });
  return (row?.states ?? null) as Record<string, { status: string | null; comment?: string; updated_at?: string }> | null;
}

/** A GET against the acai API with a query built from pairs (repeated keys stay repeated). */
export function getWith(t: TestApp, path: string, token: string | null, query: [string, string][] | Record<string, string> = {}) {
  const params = new URLSearchParams(Array.isArray(query) ? query : Object.entries(query));
  const request = t.http().get(`/api/v1${path}${params.size ? `?${params}` : ''}`);
  return token === null ? request : request.set('Authorization', `Bearer ${token}`);
}

export function patchStates(t: TestApp, token: string | null, body: unknown) {
  const request = t.http().patch('/api/v1/feature-states').send(body as object);
  return token === null ? request : request.set('Authorization', `Bearer ${token}`);
}

/** Scopes a token needs for each endpoint, for 403 tests. */
export const READ_SCOPES = ['impls:read', 'specs:read', 'states:read', 'refs:read'] as const;
