import type { z } from 'zod';
import { conflict, notFound } from '../../../lib/errors.js';
import type { GitAuth } from '../../../lib/git/auth.js';
import { probeRemote } from '../../../lib/git/remote-probe.js';
import { allowedProtocols, resolveGitAuth, type GitDeps } from '../git-context.js';
import { loadGitIntegration, type GitIntegration } from '../integration-store.js';
import { validateRepositoryUrl } from '../repository-url.js';
import { hostKeyChangedMessage, isHostKeyFailure } from '../../../lib/git/ssh.js';
import { pinFirstHostKeys, pinnedHost } from '../ssh-host-keys.js';
import type { connectionTestBody } from './schemas.js';

// POST /test: a real `git ls-remote` (and a dry-run push for write access) with a
// bounded timeout, against the body's URL/credentials or the saved ones. Failure
// to reach or authenticate is a normal answer (reachable: false + reason), not an error.

type Body = z.infer<typeof connectionTestBody>;

export async function testConnection(deps: GitDeps, teamId: string, body: Body) {
  const saved = await loadGitIntegration(deps.prisma, teamId, deps.secrets);
  const url = body?.repository_url
    ? validateRepositoryUrl(body.repository_url, deps.config.gitIntegration).url
    : saved?.repositoryUrl;
  if (!url) throw conflict('Git integration is not configured for this team; send repository_url or save the integration first');

  let auth: GitAuth;
  if (body?.credentials !== undefined) auth = await bodyAuth(deps, teamId, saved, body.credentials);
  else if (saved && url === saved.repositoryUrl) auth = (await resolveGitAuth(deps, saved)).git;
  else auth = null;

  // The saved URL is checked against the config's pinned host keys (and pins the first one);
  // another URL is tried with a throwaway known_hosts that is not kept.
  const pinning = saved && url === saved.repositoryUrl ? saved : null;
  const result = await probeRemote(url, auth, {
    timeoutMs: deps.config.gitIntegration.operations.networkTimeoutMs,
    allowProtocols: allowedProtocols(deps.config),
    ssh: { knownHosts: pinning?.sshKnownHosts ?? null },
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

async function bodyAuth(deps: GitDeps, teamId: string, saved: GitIntegration | null, credentials: NonNullable<Body>['credentials']): Promise<GitAuth> {
  if (!credentials) return null;
  if (credentials.type === 'token') return { type: 'token', token: credentials.token, username: credentials.username };
  if (credentials.type === 'ssh_key') {
    const key = await deps.prisma.gitSshKey.findFirst({ where: { id: credentials.ssh_key_id, teamId } });
    if (!key) throw notFound('SSH key not found');
    return { type: 'ssh_key', privateKey: deps.secrets.open(key.encryptedPrivateKey) };
  }
  const integration = { ...(saved as GitIntegration), credentials: { type: 'github_app' as const, installationId: String(credentials.installation_id) } };
  return (await resolveGitAuth(deps, integration)).git;
}
