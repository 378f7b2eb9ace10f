import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import { BASE } from '../context.js';
import type { SignInFailure } from './service.js';

/** What the sign-in page tells someone whose sign-in failed. */
export const FAILURE_MESSAGES: Record<SignInFailure, string> = {
  invalid_link: 'This sign-in link is unknown, used or expired. Ask an operator for a new one.',
  invalid_token: 'This API token is unknown, revoked or expired.',
  missing_scope: 'This sign-in does not carry the team:read permission the dashboard needs.',
};

/** The sign-in page: how to get a login link, and the token form; `message` says why the last attempt failed. */
export function signInPage(message?: string): Html {
  return page({
    title: 'Sign in',
    viewer: null,
    body: html`<h1>Sign in</h1>
${message ? html`<p class="notice error" role="alert">${message}</p>` : ''}
<p>Open the one-time link an operator gave you (<code>npm run tokens -- login-link --team &lt;team&gt; --user &lt;you&gt;</code>), or paste an API token of your team once. The token is not kept in the browser.</p>
<form method="post" action="${BASE}/login/token">
  <label for="token">API token</label>
  <input id="token" name="token" type="password" autocomplete="off" required maxlength="200" size="50">
  <p><button type="submit" class="primary">Sign in</button></p>
</form>`,
  });
}

/** The page a login link opens: a button that posts the link's code (a GET never consumes it). */
export function loginLinkPage(code: string): Html {
  const body = html`<h1>Sign in</h1>
<p>This one-time link signs you in to the acai dashboard. It works once, within 15 minutes of being made.</p>
<form method="post" action="${BASE}/login/link">
  <input type="hidden" name="code" value="${code}">
  <button type="submit" class="primary">Continue and sign in</button>
</form>`;
  return page({ title: 'Sign in', viewer: null, body });
}
