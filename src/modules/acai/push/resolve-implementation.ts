import { unprocessable } from '../../../lib/errors.js';
import { uuidv7 } from '../../../lib/ids.js';
import type { PushSql } from './sql.js';
import type { PushPlan } from './plan.js';

// Which implementation a push belongs to (push.NEW_IMPLS, LINK_IMPLS, EXISTING_IMPLS, PARENTS,
// IDEMPOTENCY.5, VALIDATION.9): one read of everything the decision needs, then at most three
// small writes (product, implementation, tracked_branches link). Runs inside the push
// transaction after the branch lock, so two pushes to one branch decide one after the other.

export interface ImplementationRef {
  id: string;
  name: string;
  productId: string;
  productName: string;
}

interface Named {
  id: string;
  name: string;
}

interface ContextRow {
  product: Named | null;
  tracked: (Named & { product_id: string; product_name: string; parent_name: string | null })[];
  target: (Named & { tracks_repo: boolean }) | null;
  parent: Named | null;
}

export interface ResolveInput {
  teamId: string;
  branchId: string;
  plan: PushPlan;
  now: Date;
  /** Throws 403 unless the token may create or link implementations (AUTH.4). */
  requireImplsWrite: () => void;
}

/** The implementation context of the push, or null for a refs-only push that stays untracked (REFS.7). */
export async function resolveImplementation(db: PushSql, input: ResolveInput): Promise<ImplementationRef | null> {
  const { plan } = input;
  const ctx = await loadContext(db, input);
  const target = plan.targetImplName;
  const parent = plan.parentImplName;

  if (ctx.tracked.length > 0) {
    let current = ctx.tracked[0]!;
    if (ctx.tracked.length > 1) {
      const named = target === null ? undefined : ctx.tracked.find((i) => sameName(i.name, target));
      if (!named) {
        const names = ctx.tracked.map((i) => `'${i.name}'`).join(', ');
        if (target !== null) {
          throw unprocessable(`Branch '${plan.branchName}' is tracked by ${names}, not by '${target}'. Re-link branches in the web app`);
        }
        // A refs-only push needs no implementation context (EXISTING_IMPLS.2).
        if (!plan.hasSpecs && parent === null) return null;
        throw unprocessable(`Branch '${plan.branchName}' is tracked by several implementations (${names}); set target_impl_name to choose one`);
      }
      current = named;
    } else if (target !== null && !sameName(current.name, target)) {
      throw unprocessable(
        `Branch '${plan.branchName}' is already tracked by implementation '${current.name}', not '${target}'. ` +
          `Omit target_impl_name or use '${current.name}'; re-link branches in the web app`,
      );
    }
    if (parent !== null && (current.parent_name === null || !sameName(current.parent_name, parent))) {
      throw unprocessable(
        `Implementation '${current.name}' already exists with parent ${current.parent_name === null ? 'none' : `'${current.parent_name}'`}; ` +
          `the parent cannot be changed via push (requested '${parent}'). Change it in the web app or omit parent_impl_name`,
      );
    }
    return { id: current.id, name: current.name, productId: current.product_id, productName: current.product_name };
  }

  const productName = plan.productName;
  if (productName === null) return null; // refs-only, no implementation inputs: stays untracked

  if (!plan.hasSpecs && (target === null || (parent === null && (ctx.target === null || ctx.target.tracks_repo)))) {
    // VALIDATION.9 / LINK_IMPLS.5: refs-only inputs must either create a child or link.
    if (target === null) {
      throw unprocessable(
        `A refs-only push to untracked branch '${plan.branchName}' that names a product must also provide target_impl_name ` +
          `(to link an existing implementation) or target_impl_name and parent_impl_name (to create a child implementation)`,
      );
    }
    if (ctx.target === null) {
      throw unprocessable(
        `Implementation '${target}' was not found in product '${productName}'. A refs-only push can only link an existing ` +
          `implementation, or create a child when parent_impl_name is also provided`,
      );
    }
  }

  input.requireImplsWrite();

  if (parent !== null) {
    if (!ctx.parent) {
      throw unprocessable(`Parent implementation '${parent}' was not found in product '${productName}'. Push the parent first or fix parent_impl_name`);
    }
    const name = target ?? plan.branchName;
    const created = await createImplementation(db, input, ctx.product!.id, name, ctx.parent.id);
    if (!created) {
      throw unprocessable(
        `Implementation '${name}' already exists in product '${productName}'; a push with parent_impl_name creates a new child ` +
          `implementation. Choose another target_impl_name`,
      );
    }
    await link(db, input, created.id, created.name);
    return { ...created, productId: ctx.product!.id, productName: ctx.product!.name };
  }

  if (target !== null && ctx.target) {
    if (ctx.target.tracks_repo) {
      throw unprocessable(
        `Implementation '${ctx.target.name}' already tracks a branch in ${plan.repoUri}; an implementation tracks one branch per repository. ` +
          `Choose another target_impl_name or re-link branches in the web app`,
      );
    }
    await link(db, input, ctx.target.id, ctx.target.name);
    return { id: ctx.target.id, name: ctx.target.name, productId: ctx.product!.id, productName: ctx.product!.name };
  }

  const product = ctx.product ?? (await getOrCreateProduct(db, input, productName));
  const name = target ?? plan.branchName;
  const created = await createImplementation(db, input, product.id, name, null);
  if (!created) {
    throw unprocessable(
      `Implementation '${name}' already exists in product '${product.name}', so an implementation for branch ` +
        `'${plan.branchName}' cannot take that name. Provide target_impl_name to name it (or to link an existing implementation)`,
    );
  }
  await link(db, input, created.id, created.name);
  return { ...created, productId: product.id, productName: product.name };
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Product, tracking implementations, target and parent in one statement; names match case-insensitively, an exact spelling first. */
async function loadContext(db: PushSql, { teamId, branchId, plan }: ResolveInput): Promise<ContextRow> {
  const product = plan.productName;
  const rows = await db.$queryPrepared<ContextRow[]>`
    WITH prod AS (
      SELECT id, name FROM products
       WHERE team_id = ${teamId}::uuid AND lower(name) = lower(${product}::text)
       ORDER BY (name = ${product}::text) DESC, id LIMIT 1
    )
    SELECT
      (SELECT json_build_object('id', id, 'name', name) FROM prod) AS product,
      (SELECT coalesce(json_agg(json_build_object('id', i.id, 'name', i.name, 'product_id', p.id, 'product_name', p.name, 'parent_name', par.name) ORDER BY i.name), '[]'::json)
         FROM tracked_branches tb
         JOIN implementations i ON i.id = tb.implementation_id AND i.team_id = ${teamId}::uuid
         JOIN products p ON p.id = i.product_id
         LEFT JOIN implementations par ON par.id = i.parent_implementation_id
        WHERE tb.branch_id = ${branchId}::uuid
          AND (${product}::text IS NULL OR i.product_id = (SELECT id FROM prod))) AS tracked,
      (SELECT json_build_object('id', i.id, 'name', i.name, 'tracks_repo',
                EXISTS (SELECT 1 FROM tracked_branches t WHERE t.implementation_id = i.id AND t.repo_uri = ${plan.repoUri}))
         FROM implementations i
        WHERE i.product_id = (SELECT id FROM prod) AND lower(i.name) = lower(${plan.targetImplName}::text)
        ORDER BY (i.name = ${plan.targetImplName}::text) DESC LIMIT 1) AS target,
      (SELECT json_build_object('id', i.id, 'name', i.name)
         FROM implementations i
        WHERE i.product_id = (SELECT id FROM prod) AND lower(i.name) = lower(${plan.parentImplName}::text)
        ORDER BY (i.name = ${plan.parentImplName}::text) DESC LIMIT 1) AS parent`;
  return rows[0]!;
}

/** Products are created on first sight (NEW_IMPLS.3); a concurrent creator's row is picked up. */
async function getOrCreateProduct(db: PushSql, { teamId, now }: ResolveInput, name: string): Promise<Named> {
  const inserted = await db.$queryPrepared<Named[]>`
    INSERT INTO products (id, team_id, name, created_at, updated_at)
    VALUES (${uuidv7()}::uuid, ${teamId}::uuid, ${name}, ${now}, ${now})
    ON CONFLICT (team_id, name) DO NOTHING
    RETURNING id, name`;
  if (inserted[0]) return inserted[0];
  const existing = await db.$queryPrepared<Named[]>`SELECT id, name FROM products WHERE team_id = ${teamId}::uuid AND name = ${name}`;
  return existing[0]!;
}

/** Null when the name is taken in the product (names are unique per product, VALIDATION.5). */
async function createImplementation(db: PushSql, { teamId, now }: ResolveInput, productId: string, name: string, parentId: string | null) {
  const rows = await db.$queryPrepared<Named[]>`
    INSERT INTO implementations (id, product_id, team_id, name, parent_implementation_id, created_at, updated_at)
    SELECT ${uuidv7()}::uuid, ${productId}::uuid, ${teamId}::uuid, ${name}, ${parentId}::uuid, ${now}, ${now}
     WHERE NOT EXISTS (SELECT 1 FROM implementations WHERE product_id = ${productId}::uuid AND lower(name) = lower(${name}))
    ON CONFLICT (product_id, name) DO NOTHING
    RETURNING id, name`;
  return rows[0] ?? null;
}

async function link(db: PushSql, { branchId, plan, now }: ResolveInput, implementationId: string, name: string): Promise<void> {
  const linked = await db.$executeRaw`
    INSERT INTO tracked_branches (implementation_id, branch_id, repo_uri, created_at, updated_at)
    VALUES (${implementationId}::uuid, ${branchId}::uuid, ${plan.repoUri}, ${now}, ${now})
    ON CONFLICT DO NOTHING`;
  if (linked === 0) {
    throw unprocessable(`Implementation '${name}' already tracks a branch in ${plan.repoUri}; an implementation tracks one branch per repository`);
  }
}
