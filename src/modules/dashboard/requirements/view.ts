import { STATUS_VALUES } from '../../acai/domain/state.js';
import { html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import { can, teamUrl, type Viewer } from '../context.js';
import { featureUrl } from '../matrix/view.js';
import { refUrl, type RequirementsView } from './service.js';

type Acid = RequirementsView['context']['acids'][number];

const anchorOf = (acid: string) => `req-${acid.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function source(label: string, value: { source_type: string; implementation_name?: string; branch_names?: string[] }): Html {
  const branches = value.branch_names?.length ? `, branch ${value.branch_names.join(', ')}` : '';
  const where =
    value.source_type === 'none'
      ? 'none yet'
      : value.source_type === 'local'
        ? `this implementation${branches}`
        : `inherited from ${value.implementation_name}${branches}`;
  return html`<dt>${label}</dt><dd>${where}</dd>`;
}

function refsList(view: RequirementsView, acid: Acid): Html {
  const refs = acid.refs ?? [];
  if (refs.length === 0) return html`<p class="muted">No code references.</p>`;
  return html`<ul class="refs">${refs.map((ref) => {
    const url = refUrl(ref.repo_uri, view.commitOf(ref.repo_uri, ref.branch_name), ref.path);
    const label = html`${ref.path}${ref.is_test ? html` <span class="tag">test</span>` : ''}`;
    return html`<li>${url ? html`<a href="${url}" rel="noreferrer">${label}</a>` : label} <span class="muted">(${ref.branch_name})</span></li>`;
  })}</ul>`;
}

function stateForm(viewer: Viewer, action: string, acid: Acid): Html {
  const id = anchorOf(acid.acid);
  return html`<form method="post" action="${action}#${id}" class="inline">
  ${csrfField(viewer)}<input type="hidden" name="acid" value="${acid.acid}">
  <div><label for="${id}-status">Status</label>
  <select id="${id}-status" name="status">
    <option value=""${acid.state.status === null ? ' selected' : ''}>(no status)</option>
    ${STATUS_VALUES.map((status) => html`<option value="${status}"${acid.state.status === status ? html` selected` : ''}>${status}</option>`)}
  </select></div>
  <div><label for="${id}-comment">Comment</label>
  <input id="${id}-comment" name="comment" type="text" value="${acid.state.comment ?? ''}" maxlength="2000"></div>
  <button type="submit">Save ${acid.acid}</button>
</form>`;
}

export function requirementsPage(viewer: Viewer, view: RequirementsView, saved?: string): Html {
  const team = viewer.session.teamName;
  const { context } = view;
  const product = context.product_name;
  const action = teamUrl(team, 'p', product, 'i', context.implementation_name, 'f', context.feature_name);
  const writable = can(viewer, 'states:write');
  // The notice names a requirement of this page, never free text from the URL (a crafted link could say anything).
  const savedAcid = context.acids.find((acid) => acid.acid === saved)?.acid;
  const counts = Object.entries(context.summary.status_counts)
    .map(([status, n]) => `${status === 'null' ? 'no status' : status}: ${n}`)
    .join(', ');
  const items = context.acids.map(
    (acid) => html`<li class="req" id="${anchorOf(acid.acid)}">
<h3>${acid.acid}${acid.deprecated ? html` <span class="tag">deprecated</span>` : ''}</h3>
<p>${acid.requirement}</p>${acid.note ? html`<p class="muted">Note: ${acid.note}</p>` : ''}
<p><strong>Status:</strong> ${acid.state.status ?? 'no status'}${acid.state.comment ? html` · <strong>Comment:</strong> ${acid.state.comment}` : ''}</p>
${refsList(view, acid)}
${writable ? stateForm(viewer, action, acid) : ''}
</li>`,
  );
  return page({
    title: `${context.feature_name} in ${context.implementation_name}`,
    viewer,
    crumbs: [
      { label: 'Products', href: teamUrl(team) },
      { label: product, href: teamUrl(team, 'p', product) },
      { label: context.feature_name, href: featureUrl(team, product, context.feature_name) },
      { label: context.implementation_name },
    ],
    body: html`<h1>${context.feature_name} <span class="muted">in ${context.implementation_name}</span></h1>
${savedAcid ? html`<p class="notice" role="status">Saved the state of ${savedAcid}.</p>` : ''}
<dl class="meta">
${source('Spec', context.spec_source)}
${source('States', context.states_source)}
${source('Refs', context.refs_source)}
<dt>Requirements</dt><dd>${context.summary.total_acids} (${counts || 'none'})</dd>
</dl>
${writable ? '' : html`<p class="muted">You can read these states; changing them needs the states:write permission.</p>`}
<h2>Requirements</h2>
<ul class="plain" role="list">${items}</ul>`,
  });
}
