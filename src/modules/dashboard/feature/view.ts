import { STATUS_VALUES } from '../../acai/domain/state.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import { teamUrl, type Viewer } from '../context.js';
import { percent, type Coverage, type CoverageCell } from '../matrix/service.js';
import { cellUrl } from '../matrix/view.js';

// Done first, then work in progress, then the rest; `none` (no status) last.
const SEGMENT_ORDER = ['completed', 'accepted', 'incomplete', 'assigned', 'blocked', 'rejected', 'none'] as const;
const LABELS: Record<string, string> = { none: 'no status' };

/** The counts as a bar: one rect per status, widths in percent (attributes, not inline styles: the CSP allows no inline style). */
function statusBar(cell: CoverageCell): Html {
  let x = 0;
  const known = new Set<string>([...STATUS_VALUES, 'none']);
  const segments = SEGMENT_ORDER.filter((status) => (cell.counts[status] ?? 0) > 0).map((status) => {
    const width = ((cell.counts[status] ?? 0) / cell.total) * 100;
    const rect = html`<rect class="st-${status}" x="${x.toFixed(3)}%" y="0" width="${width.toFixed(3)}%" height="100%"></rect>`;
    x += width;
    return rect;
  });
  const other = Object.keys(cell.counts).filter((status) => !known.has(status));
  const legend = [...SEGMENT_ORDER.filter((s) => (cell.counts[s] ?? 0) > 0), ...other].map(
    (status) => html`<li><span class="swatch st-${known.has(status) ? status : 'none'}" aria-hidden="true"></span>${LABELS[status] ?? status}: ${cell.counts[status]}</li>`,
  );
  return html`<svg class="bar" aria-hidden="true" focusable="false">${segments}</svg><ul class="legend">${legend}</ul>`;
}

export function featurePage(viewer: Viewer, coverage: Coverage, feature: string): Html {
  const team = viewer.session.teamName;
  const product = coverage.product.name;
  const cards = coverage.implementations.map((impl) => {
    const cell = coverage.cells.get(impl.id)?.get(feature);
    const lineage = impl.parentName ? html`<p class="muted">child of ${impl.parentName}</p>` : html`<p class="muted">no parent</p>`;
    if (!cell) return html`<li class="card"><h2>${impl.name}</h2>${lineage}<p class="na">n/a: not in this implementation's specs</p></li>`;
    const source =
      cell.states.source === 'inherited' ? html` · states inherited from ${cell.states.from}` : cell.states.source === 'none' ? html` · no states yet` : '';
    return html`<li class="card"><h2><a href="${cellUrl(team, product, impl.name, feature)}">${impl.name}</a></h2>${lineage}
<p>${percent(cell)}% completed (${cell.done} of ${cell.total})${cell.specInherited ? html` · spec inherited` : ''}${source}</p>
${statusBar(cell)}</li>`;
  });
  return page({
    title: `${feature} in ${product}`,
    viewer,
    crumbs: [{ label: 'Products', href: teamUrl(team) }, { label: product, href: teamUrl(team, 'p', product) }, { label: feature }],
    body: html`<h1>${feature}</h1><p class="muted">Implementations of ${product}, parents before their children.</p><ul class="cards">${cards}</ul>`,
  });
}
