import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { html } from '../html.js';
import { page } from '../layout.js';
import { sendPage, teamUrl, viewerOf } from '../context.js';
import { teamParams } from '../matrix/schemas.js';
import { selectProducts, selectRecentPushes } from './store.js';

const RECENT_PUSHES = 10;

export const homeRoutes: FastifyPluginAsyncZod = async function homeRoutes(app) {
  app.get('/t/:team', { schema: { hide: true, params: teamParams } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const team = viewer.session.teamName;
    const [products, pushes] = await Promise.all([
      selectProducts(app.db.prisma, viewer.session.teamId),
      selectRecentPushes(app.db.prisma, viewer.session.teamId, RECENT_PUSHES),
    ]);
    const productTable =
      products.length === 0
        ? html`<p>No products yet: <code>acai push</code> from a repository creates them.</p>`
        : html`<div class="table-wrap" role="region" aria-labelledby="products-heading" tabindex="0"><table>
<thead><tr><th scope="col">Product</th><th scope="col" class="num">Features</th><th scope="col" class="num">Implementations</th></tr></thead>
<tbody>${products.map(
            (p) => html`<tr><th scope="row"><a href="${teamUrl(team, 'p', p.name)}">${p.name}</a>${p.description ? html`<br><span class="muted">${p.description}</span>` : ''}</th>
<td class="num">${p.features}</td><td class="num">${p.implementations}</td></tr>`,
          )}</tbody></table></div>`;
    const pushList =
      pushes.length === 0
        ? html`<p>No pushes yet.</p>`
        : html`<div class="table-wrap" role="region" aria-labelledby="pushes-heading" tabindex="0"><table>
<thead><tr><th scope="col">Branch</th><th scope="col">Commit</th><th scope="col">Implementations</th><th scope="col">When (UTC)</th></tr></thead>
<tbody>${pushes.map(
            (push) => html`<tr><td>${push.repo_uri} <strong>${push.branch_name}</strong></td><td><code>${push.last_seen_commit.slice(0, 12)}</code></td>
<td>${push.implementations.join(', ') || html`<span class="muted">none</span>`}</td><td>${push.pushed_at.toISOString().slice(0, 16).replace('T', ' ')}</td></tr>`,
          )}</tbody></table></div>`;
    return sendPage(
      reply,
      page({
        title: `Team ${team}`,
        viewer,
        body: html`<h1>Team ${team}</h1><h2 id="products-heading">Products</h2>${productTable}<h2 id="pushes-heading">Recent pushes</h2>${pushList}`,
      }),
    );
  });
};
