import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app.js';
import type { GithubApiStandIn } from '../../helpers/github-api.js';

// The link flow as the UI runs it for a member: POST /github-app/link, GitHub's authorization
// (the stand-in hands out a code for `login`), then POST /github-app/link/complete with what
// GitHub put on the callback URL, both with the member's token.

export async function startLink(t: TestApp, auth: string): Promise<{ state: string; authorizeUrl: URL; body: { authorize_url: string; install_url: string | null; expires_at: string } }> {
  const res = await t.http().post('/api/git-integration/github-app/link').set('authorization', auth).send({});
  expect(res.status, res.text).toBe(200);
  const authorizeUrl = new URL(res.body.data.authorize_url);
  return { state: authorizeUrl.searchParams.get('state')!, authorizeUrl, body: res.body.data };
}

export function complete(t: TestApp, auth: string, body: Record<string, string>) {
  return t.http().post('/api/git-integration/github-app/link/complete').set('authorization', auth).send(body);
}

/** Links what `login` can access on GitHub to the team of `auth`; returns the completion's answer. */
export async function linkAs(t: TestApp, github: GithubApiStandIn, auth: string, login: string, installationIds: string[]) {
  const { state } = await startLink(t, auth);
  const res = await complete(t, auth, { state, code: github.authorize(login, installationIds) });
  expect(res.status, res.text).toBe(200);
  return res;
}
