import { html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import { teamUrl, type Viewer } from '../context.js';
import type { TeamToken } from '../../tokens/manage/service.js';
import { MAX_EXPIRY_DAYS } from './schemas.js';

const when = (date: Date | null, none: string) => (date ? date.toISOString().slice(0, 16).replace('T', ' ') : none);

function tokenTable(viewer: Viewer, tokens: TeamToken[], active: boolean, headingId: string): Html {
  if (tokens.length === 0) return html`<p>None.</p>`;
  const team = viewer.session.teamName;
  return html`<div class="table-wrap" role="region" aria-labelledby="${headingId}" tabindex="0"><table>
<thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Creator</th><th scope="col">Last used (UTC)</th><th scope="col">${active ? 'Expires (UTC)' : 'State'}</th>${active ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ''}</tr></thead>
<tbody>${tokens.map(
    (t) => html`<tr><th scope="row">${t.name}</th><td><code>${t.prefix}…</code></td><td>${t.creator}</td><td>${when(t.lastUsedAt, 'never')}</td>
<td>${active ? when(t.expiresAt, 'never') : t.state === 'revoked' ? `revoked ${when(t.revokedAt, '')}` : `expired ${when(t.expiresAt, '')}`}</td>
${active ? html`<td><a href="${teamUrl(team, 'tokens', t.id, 'revoke')}">Revoke<span class="visually-hidden"> ${t.name}</span></a></td>` : ''}</tr>`,
  )}</tbody></table></div>`;
}

export function tokensPage(viewer: Viewer, tokens: TeamToken[], options: { created?: { token: string; name: string }; notice?: string; error?: string } = {}): Html {
  const team = viewer.session.teamName;
  const active = tokens.filter((t) => t.state === 'active');
  const inactive = tokens.filter((t) => t.state !== 'active');
  const created = options.created
    ? html`<section class="notice" aria-labelledby="new-token-heading">
<h2 id="new-token-heading">New token “${options.created.name}”</h2>
<p>Copy it now: it is shown this once and cannot be read again.</p>
<code class="secret" id="new-token">${options.created.token}</code>
<button type="button" data-copy="new-token" aria-describedby="copy-status" hidden>Copy token</button> <span id="copy-status" role="status"></span>
</section>`
    : '';
  return page({
    title: 'Tokens',
    viewer,
    copyScript: Boolean(options.created),
    crumbs: [{ label: 'Products', href: teamUrl(team) }, { label: 'Tokens' }],
    body: html`<h1>API tokens of team ${team}</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
${options.error ? html`<p class="notice error" role="alert">${options.error}</p>` : ''}
${created}
<h2 id="create-heading">Create a token</h2>
<form method="post" action="${teamUrl(team, 'tokens')}">
  ${csrfField(viewer)}
  <p><label for="token-name">Name</label><input id="token-name" name="name" type="text" required maxlength="100" autocomplete="off"></p>
  <p><label for="token-expiry">Expires after (days, optional)</label><input id="token-expiry" name="expires_in_days" type="number" min="1" max="${MAX_EXPIRY_DAYS}" inputmode="numeric" aria-describedby="expiry-help">
  <span id="expiry-help" class="muted">Leave empty for a token that does not expire.</span></p>
  <p class="muted">The token gets your permissions, except managing tokens.</p>
  <p><button type="submit" class="primary">Create token</button></p>
</form>
<h2 id="active-heading">Active</h2>
${tokenTable(viewer, active, true, 'active-heading')}
<h2 id="inactive-heading">Inactive (expired or revoked)</h2>
${tokenTable(viewer, inactive, false, 'inactive-heading')}`,
  });
}

export function revokePage(viewer: Viewer, token: TeamToken): Html {
  const team = viewer.session.teamName;
  return page({
    title: `Revoke ${token.name}`,
    viewer,
    crumbs: [{ label: 'Products', href: teamUrl(team) }, { label: 'Tokens', href: teamUrl(team, 'tokens') }, { label: 'Revoke' }],
    body: html`<h1>Revoke “${token.name}”?</h1>
<p>Token <code>${token.prefix}…</code> of ${token.creator} stops working at once, for every program that uses it; dashboard sessions signed in with it, and those ${token.creator} signed in to with a login link (except this one), end. This cannot be undone.</p>
${token.state !== 'active' ? html`<p class="notice">This token is already ${token.state}.</p>` : ''}
<form method="post" action="${teamUrl(team, 'tokens', token.id, 'revoke')}" class="inline">
  ${csrfField(viewer)}
  <button type="submit" class="danger">Revoke token</button>
  <a href="${teamUrl(team, 'tokens')}">Cancel</a>
</form>`,
  });
}
