import { html, type Html, type Part } from './html.js';
import { BASE, can, teamUrl, type Viewer } from './context.js';

export interface Crumb {
  label: string;
  href?: string;
}

export interface PageInput {
  title: string;
  viewer: Viewer | null;
  crumbs?: Crumb[];
  body: Part;
  /** Adds the copy script (only the page that shows a new token needs it). */
  copyScript?: boolean;
}

export const csrfField = (viewer: Viewer) => html`<input type="hidden" name="_csrf" value="${viewer.csrf}">`;

function siteHeader(viewer: Viewer | null): Html {
  if (!viewer) return html`<header class="site"><strong>acai dashboard</strong></header>`;
  const team = viewer.session.teamName;
  return html`<header class="site">
  <strong><a href="${teamUrl(team)}">acai</a></strong>
  <nav aria-label="Main"><ul>
    <li><a href="${teamUrl(team)}">Products</a></li>
    ${can(viewer, 'team:admin') ? html`<li><a href="${teamUrl(team, 'tokens')}">Tokens</a></li>` : ''}
  </ul></nav>
  <div class="who"><span>${viewer.session.userName} · team ${team}</span>
    <form method="post" action="${BASE}/logout">${csrfField(viewer)}<button type="submit" class="link">Sign out</button></form>
  </div>
</header>`;
}

function breadcrumbs(crumbs: Crumb[] | undefined): Part {
  if (!crumbs || crumbs.length === 0) return '';
  return html`<nav class="crumbs" aria-label="Breadcrumb"><ol>${crumbs.map((c, i) =>
    i === crumbs.length - 1 || !c.href ? html`<li><span aria-current="page">${c.label}</span></li>` : html`<li><a href="${c.href}">${c.label}</a></li>`,
  )}</ol></nav>`;
}

export function page(input: PageInput): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${input.title} · acai dashboard</title>
<link rel="stylesheet" href="${BASE}/assets/dashboard.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${siteHeader(input.viewer)}
<main id="main">
${breadcrumbs(input.crumbs)}
${input.body}
</main>
${input.copyScript ? html`<script src="${BASE}/assets/copy.js" defer></script>` : ''}
</body>
</html>`;
}

/** An error page: what happened, and a way on. */
export function errorPage(viewer: Viewer | null, status: number, message: string): Html {
  const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status >= 500 ? 'Something went wrong' : 'Request refused';
  return page({
    title,
    viewer,
    body: html`<h1>${title}</h1><p>${message}</p><p><a href="${viewer ? teamUrl(viewer.session.teamName) : `${BASE}/login`}">${viewer ? 'Back to the products' : 'Sign in'}</a></p>`,
  });
}
