import type { Sql } from '../../../db/handles.js';
import { byCodepoint } from '../../../lib/text.js';
import { productNotFound } from '../../acai/domain/inheritance.js';
import { DONE_STATUSES } from '../../acai/domain/state.js';
import { COUNTED_STATUSES, selectCoverage } from './store.js';

// The coverage model behind the product matrix and the feature view.

export interface CoverageCell {
  total: number;
  done: number;
  /** Requirement counts by status; `none` is no status. */
  counts: Record<string, number>;
  specInherited: boolean;
  /** Where the states come from: this implementation, an ancestor (named), or nowhere yet. */
  states: { source: 'local' } | { source: 'inherited'; from: string } | { source: 'none' };
}

export interface CoverageImplementation {
  id: string;
  name: string;
  parentName: string | null;
  /** 0 for an implementation without (active) parent, parent's level + 1 otherwise. */
  level: number;
}

export interface Coverage {
  product: { id: string; name: string };
  /** Parents before their children, siblings by name. */
  implementations: CoverageImplementation[];
  /** Every feature some implementation resolves, by name. */
  features: string[];
  /** cells.get(implementationId)?.get(featureName); absent: the feature is not in that implementation's tree (n/a). */
  cells: Map<string, Map<string, CoverageCell>>;
}

export async function readCoverage(db: Sql, teamId: string, productName: string, featureName?: string): Promise<Coverage> {
  const rows = await selectCoverage(db, teamId, productName, featureName);
  if (rows.length === 0) throw productNotFound(productName);
  const product = { id: rows[0]!.product_id, name: rows[0]!.product_name };

  const names = new Map<string, { name: string; parentId: string | null }>();
  const cells = new Map<string, Map<string, CoverageCell>>();
  const features = new Set<string>();
  for (const row of rows) {
    if (!row.impl_id) continue;
    names.set(row.impl_id, { name: row.impl_name!, parentId: row.parent_id });
    if (!row.feature_name) continue;
    features.add(row.feature_name);
    const counts: Record<string, number> = {};
    for (const status of COUNTED_STATUSES) if (row[`n_${status}`]) counts[status] = row[`n_${status}`]!;
    const total = row.total ?? 0;
    const done = Object.entries(counts).reduce((sum, [status, n]) => sum + (DONE_STATUSES.has(status) ? n : 0), 0);
    const states: CoverageCell['states'] =
      row.states_depth === null ? { source: 'none' } : row.states_depth === 0 ? { source: 'local' } : { source: 'inherited', from: row.states_from! };
    let byFeature = cells.get(row.impl_id);
    if (!byFeature) cells.set(row.impl_id, (byFeature = new Map()));
    byFeature.set(row.feature_name, { total, done, counts, specInherited: (row.spec_depth ?? 0) > 0, states });
  }
  return { product, implementations: inheritanceOrder(names), features: [...features].sort(byCodepoint), cells };
}

/** Depth-first from the implementations without an active parent: a parent, then its children. */
function inheritanceOrder(names: Map<string, { name: string; parentId: string | null }>): CoverageImplementation[] {
  const children = new Map<string | null, string[]>();
  for (const [id, { parentId }] of names) {
    const key = parentId !== null && names.has(parentId) ? parentId : null;
    children.set(key, [...(children.get(key) ?? []), id]);
  }
  const ordered: CoverageImplementation[] = [];
  const seen = new Set<string>();
  const visit = (parent: string | null, level: number) => {
    const ids = (children.get(parent) ?? []).sort((a, b) => byCodepoint(names.get(a)!.name, names.get(b)!.name));
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const parentId = names.get(id)!.parentId;
      ordered.push({ id, name: names.get(id)!.name, parentName: parentId ? (names.get(parentId)?.name ?? null) : null, level });
      visit(id, level + 1);
    }
  };
  visit(null, 0);
  // A cycle has no root: list what is left flat rather than lose it.
  for (const [id, { name }] of names) if (!seen.has(id)) ordered.push({ id, name, parentName: null, level: 0 });
  return ordered;
}

export function percent(cell: CoverageCell): number {
  return cell.total === 0 ? 0 : Math.floor((cell.done / cell.total) * 100);
}
