import type { z } from 'zod';
import { invalidRequest, unavailable } from '../../../lib/errors.js';
import type { GitAuth } from '../../../lib/git/auth.js';
import { ProviderError } from '../../../lib/git/providers/http.js';
import { probeRemote } from '../../../lib/git/remote-probe.js';
import { allowedProtocols, resolveGitAuth, type GitDeps } from '../git-context.js';
import { verifyGithubAppAccess } from '../github-app/access.js';
import { installationLinkIssue } from '../github-app/service.js';
import { loadGitIntegration, openTeamSshKey } from '../settings/store.js';
import { noGithubAppIssue, notConfigured, savedUrlRefused, sshKeyNotFound } from '../errors.js';
import { parseGitUrl } from '../../../lib/net/git-url.js';
import { gitTarget } from '../../../lib/net/remote-target.js';
import { checkRemote } from '../settings/repository-url.js';
import { hostKeyChangedMessage, isHostKeyFailure } from '../../../lib/git/ssh.js';
import { pinFirstHostKeys, pinnedHost } from '../ssh-keys/host-keys.js';
import type { connectionTestBody } from './schemas.js';

// POST /test: a real `git ls-remote` (and a dry-run push for write access) with a
// bounded timeout, against the body's URL/credentials or the saved ones. Failure
// to reach or authenticate is a normal answer (reachable: false + reason), not an error.

type Body = z.infer<typeof connectionTestBody>;

export async function testConnection(deps: GitDeps, teamId: string, body: Body) {
  const saved = await loadGitIntegration(deps.prisma, teamId, deps.secrets);
  const input = body?.repository_url ?? saved?.repositoryUrl;
  if (!input) throw notConfigured('send repository_url or save the integration first');
  // Resolved and checked before any credential is prepared or any packet sent: a refused host gets
  // the same answer whatever its port (400 for the body's URL, 409 for a saved one that no longer passes).
  const checked = await checkRemote(input, deps.config.gitIntegration, deps.resolver);
  if (!checked.ok && checked.unresolved) {
    return { reachable: false, permissions: [], default_branch: null, latency_ms: 0, reason: `unreachable: the repository_url ${checked.issue}` };
  }
  if (!checked.ok) {
    if (body?.repository_url) throw invalidRequest('Invalid repository_url', [{ field: 'body.repository_url', issue: checked.issue }]);
    throw savedUrlRefused(checked.issue);
  }
  const url = checked.value.url;
  // Saved credentials go only to the saved remote, compared canonically (a stored row the strict parser refuses never matches).
  const savedUrl = saved ? parseGitUrl(saved.repositoryUrl) : null;
  const isSavedRemote = saved !== null && savedUrl?.ok === true && savedUrl.value.href === url;

  let auth: GitAuth;
  if (body?.credentials !== undefined) auth = await bodyAuth(deps, teamId, url, body.credentials);
  else if (isSavedRemote) auth = (await providerFailureAsUnavailable(resolveGitAuth(deps, saved))).git;
  else auth = null;

  // The saved URL is checked against the config's pinned host keys (and pins the first one);
  // another URL is tried with a throwaway known_hosts that is not kept.
  const pinning = isSavedRemote ? saved : null;
  const result = await probeRemote(gitTarget(checked.remote), auth, {
    timeoutMs: deps.config.gitIntegration.operations.networkTimeoutMs,
    allowProtocols: allowedProtocols(deps.config),
    knownHosts: pinning?.sshKnownHosts ?? null,
  });
  if (pinning && !pinning.sshKnownHosts && result.reachable) await pinFirstHostKeys(deps.prisma, pinning, result.knownHosts);
  if (pinning?.sshKnownHosts && !result.reachable && isHostKeyFailure(result.reason ?? '')) {
    result.reason = hostKeyChangedMessage(pinnedHost(pinning), pinning.sshHostKeyFingerprint);
  }
  return {
    reachable: result.reachable,
    permissions: result.permissions,
    default_branch: result.defaultBranch,
    latency_ms: result.latencyMs,
    ...(result.reason ? { reason: result.reason } : {}),
  };
}

async function bodyAuth(deps: GitDeps, teamId: string, url: string, credentials: NonNullable<Body>['credentials']): Promise<GitAuth> {
  if (!credentials) return null;
  if (credentials.type === 'token') return { type: 'token', token: credentials.token, username: credentials.username };
  if (credentials.type === 'ssh_key') {
    const key = await openTeamSshKey(deps.prisma, deps.secrets, teamId, credentials.ssh_key_id);
    if (!key) throw sshKeyNotFound();
    return { type: 'ssh_key', privateKey: key.privateKey };
  }
  // An installation id is only used for a repository its account owns, on the App's host.
  const app = deps.config.gitIntegration.githubApp;
  if (!app) throw invalidRequest('Invalid connection test', [noGithubAppIssue()]);
  const installationId = String(credentials.installation_id);
  // Before any GitHub call, one answer for unknown, foreign and unlinked ids (github-app/service.ts).
  const unlinked = await installationLinkIssue(deps.prisma, teamId, installationId);
  if (unlinked) throw invalidRequest('Invalid connection test', [unlinked]);
  const checked = await verifyGithubAppAccess(app, deps.config.gitIntegration.operations.networkTimeoutMs, installationId, url);
  if (!checked.ok) throw invalidRequest('Invalid connection test', [{ field: 'body.credentials', issue: checked.issue }]);
  return { type: 'token', token: checked.token, username: 'x-access-token' };
}

/** GitHub failing to answer is the provider's outage (503), not a bug of ours (500). */
async function providerFailureAsUnavailable<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof ProviderError) throw unavailable(`The provider could not be reached, retry shortly (${error.message})`);
    throw error;
  }
}
