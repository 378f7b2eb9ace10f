import { notFound } from '../../../lib/errors.js';

// Implementations form chains through parent_implementation_id (prod <- dev <- feature ...).
// Specs, states and refs of an implementation fall back to the nearest ancestor that has
// them. The chain is loaded with one recursive CTE (implementations/store.ts), never a query
// per level; this file holds its shape and the rules read from it.

/** Deeper chains are treated as cut there; real chains are 3-4 levels (data-model.INHERITANCE.5). */
export const MAX_CHAIN_DEPTH = 32;

export interface ChainLink {
  id: string;
  name: string;
  /** 0 for the implementation itself, 1 for its parent, ... */
  depth: number;
}

export interface ChainBranch {
  branchId: string;
  branchName: string;
  repoUri: string;
  /** Depth of the nearest implementation in the chain that tracks this branch. */
  depth: number;
}

export interface ImplementationContext {
  teamId: string;
  product: { id: string; name: string };
  implementation: { id: string; name: string };
  /** The implementation first, then its ancestors in the same product, nearest first. */
  chain: ChainLink[];
  /** Every branch tracked by some implementation of the chain. */
  branches: ChainBranch[];
}

/** The chain's branch ids and depths as two parallel arrays, for `unnest(...)` in SQL. */
export function branchArrays(context: ImplementationContext): { ids: string[]; depths: number[] } {
  return { ids: context.branches.map((b) => b.branchId), depths: context.branches.map((b) => b.depth) };
}

/** The chain's implementation ids and depths as two parallel arrays, for `unnest(...)` in SQL. */
export function chainArrays(context: ImplementationContext): { ids: string[]; depths: number[] } {
  return { ids: context.chain.map((l) => l.id), depths: context.chain.map((l) => l.depth) };
}

export type SourceKind = 'local' | 'inherited';

export function sourceKind(depth: number): SourceKind {
  return depth === 0 ? 'local' : 'inherited';
}

/** The name of the implementation at `depth` of the chain, where a resolved spec, state or ref came from. */
export function sourceName(context: ImplementationContext, depth: number): string {
  return linkAt(context, depth).name;
}

function linkAt(context: ImplementationContext, depth: number): ChainLink {
  return context.chain.find((l) => l.depth === depth) ?? context.chain[0]!;
}

/** 404 for a product name the team does not have. */
export function productNotFound(productName: string) {
  return notFound(`Product '${productName}' not found`);
}

/** 404 for an implementation name the product does not have; `productName` as stored. */
export function implementationNotFound(implementationName: string, productName: string) {
  return notFound(`Implementation '${implementationName}' not found in product '${productName}'`);
}

/** 404 for a feature without a spec anywhere along the chain. */
export function featureNotFound(context: ImplementationContext, featureName: string) {
  return notFound(
    `${featureNotInProduct(featureName, context.product.name)} for implementation ` +
      `'${context.implementation.name}' or its ancestors`,
  );
}

/** 404 for a feature no implementation of the product has a spec for; `productName` as stored. */
export function featureNotInProductError(featureName: string, productName: string) {
  return notFound(featureNotInProduct(featureName, productName));
}

const featureNotInProduct = (featureName: string, productName: string) => `Feature '${featureName}' has no spec in product '${productName}'`;
