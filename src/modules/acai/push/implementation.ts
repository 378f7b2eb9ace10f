import { unprocessable } from '../../../lib/errors.js';
import { uuidv7 } from '../../../lib/ids.js';
import type { PushContext } from './context.js';
import type { PushPlan } from './plan.js';

// Which implementation a push belongs to (push.NEW_IMPLS, LINK_IMPLS, EXISTING_IMPLS, PARENTS,
// IDEMPOTENCY.5, VALIDATION.9), decided on the context read after the branch lock (context.ts),
// so two pushes to one branch decide one after the other. Writes nothing: the product,
// implementation and link it asks for go into the push's one writing statement (write.ts).

export interface ImplementationRef {
  id: string;
  name: string;
  productId: string;
  productName: string;
}

export interface ImplementationDecision {
  /** The implementation context of the push; null for a refs-only push that stays untracked (REFS.7). */
  implementation: ImplementationRef | null;
  /** A product to create first (NEW_IMPLS.3). */
  newProduct: { id: string; name: string } | null;
  /** An implementation to create (NEW_IMPLS, PARENTS). */
  newImplementation: { id: string; name: string; parentId: string | null } | null;
  /** Set when this push links the branch to `implementation` (a write to the team's data). */
  linkId: string | null;
  /** The implementation whose chain supplies inherited definitions to the ref warnings. */
  chainOf: string | null;
  /** The rejection when a concurrent push took the new implementation's name first. */
  nameTaken: string | null;
}

const none = { newProduct: null, newImplementation: null, linkId: null, nameTaken: null };

export function decideImplementation(ctx: PushContext, plan: PushPlan, requireImplsWrite: () => void): ImplementationDecision {
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
        if (!plan.hasSpecs && parent === null) return { ...none, implementation: null, chainOf: null };
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
    const implementation = { id: current.id, name: current.name, productId: current.product_id, productName: current.product_name };
    return { ...none, implementation, chainOf: current.id };
  }

  const productName = plan.productName;
  if (productName === null) return { ...none, implementation: null, chainOf: null }; // refs-only, no implementation inputs: stays untracked

  // ctx.named is the implementation named target_impl_name (or, without one, the branch name).
  const targetRow = target === null ? null : ctx.named;
  if (!plan.hasSpecs && (target === null || (parent === null && (targetRow === null || targetRow.tracks_repo)))) {
    // VALIDATION.9 / LINK_IMPLS.5: refs-only inputs must either create a child or link.
    if (target === null) {
      throw unprocessable(
        `A refs-only push to untracked branch '${plan.branchName}' that names a product must also provide target_impl_name ` +
          `(to link an existing implementation) or target_impl_name and parent_impl_name (to create a child implementation)`,
      );
    }
    if (targetRow === null) {
      throw unprocessable(
        `Implementation '${target}' was not found in product '${productName}'. A refs-only push can only link an existing ` +
          `implementation, or create a child when parent_impl_name is also provided`,
      );
    }
  }

  requireImplsWrite();
  const name = target ?? plan.branchName;

  if (parent !== null) {
    if (!ctx.parent) {
      throw unprocessable(`Parent implementation '${parent}' was not found in product '${productName}'. Push the parent first or fix parent_impl_name`);
    }
    const taken =
      `Implementation '${name}' already exists in product '${productName}'; a push with parent_impl_name creates a new child ` +
      `implementation. Choose another target_impl_name`;
    if (ctx.named) throw unprocessable(taken);
    const product = ctx.product!; // the parent was found in it
    return create(product, null, name, ctx.parent.id, taken);
  }

  if (targetRow) {
    if (targetRow.tracks_repo) throw unprocessable(alreadyTracks(targetRow.name, plan.repoUri, 'Choose another target_impl_name or re-link branches in the web app'));
    const product = ctx.product!; // the target was found in it
    return {
      ...none,
      implementation: { id: targetRow.id, name: targetRow.name, productId: product.id, productName: product.name },
      linkId: targetRow.id,
      chainOf: targetRow.id,
    };
  }

  const newProduct = ctx.product ? null : { id: uuidv7(), name: productName };
  const product = ctx.product ?? newProduct!;
  const taken =
    `Implementation '${name}' already exists in product '${product.name}', so an implementation for branch ` +
    `'${plan.branchName}' cannot take that name. Provide target_impl_name to name it (or to link an existing implementation)`;
  if (ctx.named) throw unprocessable(taken);
  return create(product, newProduct, name, null, taken);
}

function create(
  product: { id: string; name: string },
  newProduct: { id: string; name: string } | null,
  name: string,
  parentId: string | null,
  taken: string,
): ImplementationDecision {
  const id = uuidv7();
  return {
    implementation: { id, name, productId: product.id, productName: product.name },
    newProduct,
    newImplementation: { id, name, parentId },
    linkId: id,
    // A new implementation tracks only the pushed branch, which the warnings read anyway; a child inherits its parent's chain.
    chainOf: parentId,
    nameTaken: taken,
  };
}

/** The rejection when the implementation tracks a branch of the repository already (one branch per repository). */
export function alreadyTracks(name: string, repoUri: string, hint?: string): string {
  return `Implementation '${name}' already tracks a branch in ${repoUri}; an implementation tracks one branch per repository${hint ? `. ${hint}` : ''}`;
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
