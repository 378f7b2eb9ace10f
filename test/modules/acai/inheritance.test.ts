import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { loadImplementationChain } from '../../../src/modules/acai/implementations/service.js';
import { AppError } from '../../../src/lib/errors.js';
import { seedAcai, type Seeded } from './fixtures.js';

let t: TestApp;
let seeded: Seeded;

beforeAll(async () => {
  t = await createTestApp();
  seeded = await seedAcai(t.db.prisma, {
    team: 'team-a',
    products: {
      api: [
        { name: 'prod', branches: ['r@main'] },
        { name: 'staging', parent: 'prod', branches: ['r@staging'] },
        { name: 'dev', parent: 'staging', branches: ['r@dev', 's@dev'] },
        { name: 'task', parent: 'dev' },
        { name: 'loop-a' },
        { name: 'loop-b', parent: 'loop-a' },
      ],
      other: [{ name: 'elsewhere', branches: ['r@main'] }],
    },
  });
  // a cycle (loop-a <-> loop-b), and a parent in another product (ignored: chains stay in one product)
  await t.db.prisma.implementation.update({ where: { id: seeded.implementationIds['api/loop-a']! }, data: { parentImplementationId: seeded.implementationIds['api/loop-b']! } });
  await t.db.prisma.implementation.update({
    where: { id: seeded.implementationIds['other/elsewhere']! },
    data: { parentImplementationId: seeded.implementationIds['api/prod']! },
  });
});
afterAll(async () => t?.close());

describe('acai inheritance chain (data-model.INHERITANCE)', () => {
  it('data-model.INHERITANCE.1 data-model.INHERITANCE.5 walks four levels, nearest first, with the branches each level tracks', async () => {
    const context = await loadImplementationChain(t.db.prisma, seeded.teamId, 'api', 'task');
    expect(context.product).toEqual({ id: seeded.productIds.api, name: 'api' });
    expect(context.implementation).toEqual({ id: seeded.implementationIds['api/task'], name: 'task' });
    expect(context.chain.map((l) => [l.name, l.depth])).toEqual([
      ['task', 0],
      ['dev', 1],
      ['staging', 2],
      ['prod', 3],
    ]);
    expect(context.branches.map((b) => [`${b.repoUri}@${b.branchName}`, b.depth])).toEqual([
      ['r@dev', 1],
      ['s@dev', 1],
      ['r@staging', 2],
      ['r@main', 3],
    ]);
  });

  it('stops at a cycle instead of looping', async () => {
    const context = await loadImplementationChain(t.db.prisma, seeded.teamId, 'api', 'loop-a');
    expect(context.chain.map((l) => l.name)).toEqual(['loop-a', 'loop-b']);
  });

  it('never follows a parent in another product', async () => {
    const context = await loadImplementationChain(t.db.prisma, seeded.teamId, 'other', 'elsewhere');
    expect(context.chain.map((l) => l.name)).toEqual(['elsewhere']);
  });

  it('is scoped to the team and says what was not found', async () => {
    const otherTeam = await seedAcai(t.db.prisma, { team: 'team-b', products: { misc: [{ name: 'x' }] } });
    await expect(loadImplementationChain(t.db.prisma, otherTeam.teamId, 'api', 'prod')).rejects.toMatchObject({
      status: 404,
      message: "Product 'api' not found",
    });
    const error = await loadImplementationChain(t.db.prisma, seeded.teamId, 'api', 'nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toBe("Implementation 'nope' not found in product 'api'");
  });
});
