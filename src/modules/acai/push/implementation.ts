import { unprocessable } from '../../../lib/errors.js';
import type { PushPlan } from './plan.js';
import {
  createImplementation,
  getOrCreateProduct,
  loadImplementationContext,
  trackBranch,
  type PushSql,
} from './store.js';

// Which implementation a push belongs to (push.NEW_IMPLS, LINK_IMPLS, EXISTING_IMPLS, PARENTS,
// IDEMPOTENCY.5, VALIDATION.9): one read of everything the decision needs, then at most three
// small writes (product, implementation, tracked_branches link). Runs inside the push
// transaction after the branch lock, so two pushes to one branch decide one after the other.

export interface ImplementationRef {
  id: string;
  name: string;
  productId: string;
  productName: string;
  /** True when this push created or linked it (a write to the team's data). */
  linkedNow: boolean;
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
export async function resolvePushImplementation(db: PushSql, input: ResolveInput): Promise<ImplementationRef | null> {
  const { plan } = input;
  const ctx = await loadImplementationContext(db, input.teamId, input.branchId, plan);
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
    return { id: current.id, name: current.name, productId: current.product_id, productName: current.product_name, linkedNow: false };
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
    const created = await createImplementation(db, input.teamId, ctx.product!.id, name, ctx.parent.id, input.now);
    if (!created) {
      throw unprocessable(
        `Implementation '${name}' already exists in product '${productName}'; a push with parent_impl_name creates a new child ` +
          `implementation. Choose another target_impl_name`,
      );
    }
    await link(db, input, created.id, created.name);
    return { ...created, productId: ctx.product!.id, productName: ctx.product!.name, linkedNow: true };
  }

  if (target !== null && ctx.target) {
    if (ctx.target.tracks_repo) {
      throw unprocessable(
        `Implementation '${ctx.target.name}' already tracks a branch in ${plan.repoUri}; an implementation tracks one branch per repository. ` +
          `Choose another target_impl_name or re-link branches in the web app`,
      );
    }
    await link(db, input, ctx.target.id, ctx.target.name);
    return { id: ctx.target.id, name: ctx.target.name, productId: ctx.product!.id, productName: ctx.product!.name, linkedNow: true };
  }

  const product = ctx.product ?? (await getOrCreateProduct(db, input.teamId, productName, input.now));
  const name = target ?? plan.branchName;
  const created = await createImplementation(db, input.teamId, product.id, name, null, input.now);
  if (!created) {
    throw unprocessable(
      `Implementation '${name}' already exists in product '${product.name}', so an implementation for branch ` +
        `'${plan.branchName}' cannot take that name. Provide target_impl_name to name it (or to link an existing implementation)`,
    );
  }
  await link(db, input, created.id, created.name);
  return { ...created, productId: product.id, productName: product.name, linkedNow: true };
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

async function link(db: PushSql, { branchId, plan, now }: ResolveInput, implementationId: string, name: string): Promise<void> {
  if (!(await trackBranch(db, implementationId, branchId, plan.repoUri, now))) {
    throw unprocessable(`Implementation '${name}' already tracks a branch in ${plan.repoUri}; an implementation tracks one branch per repository`);
  }
}
