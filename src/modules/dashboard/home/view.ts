import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import { teamUrl, type Viewer } from '../context.js';
import type { TeamHome } from './service.js';

function productTable(team: string, products: TeamHome['products']): Html {
  if (products.length === 0) return html`<p>No products yet: <code>acai push</code> from a repository creates them.</p>`;
  return html`<div class="table-wrap" role="region" aria-labelledby="products-heading" tabindex="0"><table>
<thead><tr><th scope="col">Product</th><th scope="col" class="num">Features</th><th scope="col" class="num">Implementations</th></tr></thead>
<tbody>${products.map(
    (p) => html`<tr><th scope="row"><a href="${teamUrl(team, 'p', p.name)}">${p.name}</a>${p.description ? html`<br><span class="muted">${p.description}</span>` : ''}</th>
<td class="num">${p.features}</td><td class="num">${p.implementations}</td></tr>`,
  )}</tbody></table></div>`;
}

function pushList(pushes: TeamHome['pushes']): Html {
  if (pushes.length === 0) return html`<p>No pushes yet.</p>`;
  return html`<div class="table-wrap" role="region" aria-labelledby="pushes-heading" tabindex="0"><table>
<thead><tr><th scope="col">Branch</th><th scope="col">Commit</th><th scope="col">Implementations</th><th scope="col">When (UTC)</th></tr></thead>
<tbody>${pushes.map(
    (push) => html`<tr><td>${push.repoUri} <strong>${push.branchName}</strong></td><td><code>${push.commit}</code></td>
<td>${push.implementations.join(', ') || html`<span class="muted">none</span>`}</td><td>${push.pushedAt.toISOString().slice(0, 16).replace('T', ' ')}</td></tr>`,
  )}</tbody></table></div>`;
}

/** The team home page: products, then recent pushes. */
export function homePage(viewer: Viewer, home: TeamHome): Html {
  const team = viewer.session.teamName;
  return page({
    title: `Team ${team}`,
    viewer,
    body: html`<h1>Team ${team}</h1><h2 id="products-heading">Products</h2>${productTable(team, home.products)}<h2 id="pushes-heading">Recent pushes</h2>${pushList(home.pushes)}`,
  });
}
