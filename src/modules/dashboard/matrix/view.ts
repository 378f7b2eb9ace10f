import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import { teamUrl, type Viewer } from '../context.js';
import { percent, type Coverage, type CoverageCell } from './service.js';

export const featureUrl = (team: string, product: string, feature: string) => teamUrl(team, 'p', product, 'f', feature);
export const cellUrl = (team: string, product: string, implementation: string, feature: string) =>
  teamUrl(team, 'p', product, 'i', implementation, 'f', feature);

function cellText(cell: CoverageCell): Html {
  const inherited = cell.states.source === 'inherited' ? html` <span class="tag" title="States inherited from ${cell.states.from}">inherited</span>` : '';
  return html`${percent(cell)}%${inherited}`;
}

export function matrixPage(viewer: Viewer, coverage: Coverage): Html {
  const team = viewer.session.teamName;
  const product = coverage.product.name;
  const { implementations, features } = coverage;
  const table =
    features.length === 0
      ? html`<p>No feature specs have been pushed for this product yet.</p>`
      : html`<div class="table-wrap" role="region" aria-labelledby="matrix-caption" tabindex="0"><table>
<caption id="matrix-caption" class="visually-hidden">Completed share of requirements per feature and implementation</caption>
<thead><tr><th scope="col">Feature</th>${implementations.map(
          (impl) => html`<th scope="col" class="num">${impl.name}${impl.parentName ? html`<br><span class="muted">child of ${impl.parentName}</span>` : ''}</th>`,
        )}</tr></thead>
<tbody>${features.map(
          (feature) => html`<tr><th scope="row"><a href="${featureUrl(team, product, feature)}">${feature}</a></th>${implementations.map((impl) => {
            const cell = coverage.cells.get(impl.id)?.get(feature);
            return cell
              ? html`<td class="num"><a href="${cellUrl(team, product, impl.name, feature)}" data-cell="${feature} in ${impl.name}">${cellText(cell)}<span class="visually-hidden">: ${feature} in ${impl.name}, ${cell.done} of ${cell.total} completed</span></a></td>`
              : html`<td class="num na"><abbr title="not in this implementation">n/a</abbr></td>`;
          })}</tr>`,
        )}</tbody></table></div>`;
  return page({
    title: `${product}: coverage`,
    viewer,
    crumbs: [{ label: 'Products', href: teamUrl(team) }, { label: product }],
    body: html`<h1>${product}</h1>
<p class="muted">${features.length} features × ${implementations.length} active implementations. Each cell is the share of the feature's requirements that are completed or accepted; <em>inherited</em> marks states taken from a parent implementation; n/a: the feature is not in that implementation's specs.</p>
${table}`,
  });
}
