import type { PrismaClient } from '../../../db/handles.js';
import { conflict } from '../../../lib/errors.js';
import { withGitAuth, type GitAuth, type PreparedGitAuth } from '../../../lib/git/auth.js';
import { GitCommandError } from '../../../lib/git/run.js';
import { hostKeyChangedMessage, isHostKeyFailure, MAX_KNOWN_HOSTS_BYTES, parseKnownHosts, sshHostKeyAlias } from '../../../lib/git/ssh.js';
import { gitTarget, type PinnedRemote } from '../../../lib/net/remote-target.js';
import { pinHostKeysIfUnpinned } from '../settings/store.js';

// The ssh host keys of a team's config: trusted on the first successful connection
// to its repository host (trust on first use, recorded in the database with the
// config), then the only keys accepted for it. A changed key fails the operation
// before anything is fetched or pushed, with a message naming the way out
// (DELETE /api/git-integration/ssh-host-key, resetHostKeys in service.ts), which a `git:write`
// caller decides. The pin is stored on the config row (settings store).

export interface PinnedHostKeys {
  teamId: string;
  repositoryUrl: string;
  sshKnownHosts: string | null;
  sshHostKeyFingerprint: string | null;
}

/**
 * Runs `work` (git commands against the config's remote) with the config's pinned
 * host keys; after a success, records the host key ssh accepted if none was pinned.
 * `remote` is the saved remote as checked for this operation (git-context.ts
 * requireTeamRemote): `work` gets its canonical URL (prepared.url) with the pin and
 * credentials for exactly that URL, and gives git that URL, never a remote name.
 */
export async function withIntegrationGitAuth<T>(
  prisma: PrismaClient,
  integration: PinnedHostKeys,
  auth: GitAuth,
  remote: PinnedRemote,
  work: (prepared: PreparedGitAuth) => Promise<T>,
): Promise<T> {
  const pinned = integration.sshKnownHosts;
  return withGitAuth(auth, { target: gitTarget(remote), knownHosts: pinned }, async (prepared) => {
    let result: T;
    try {
      result = await work(prepared);
    } catch (error) {
      if (pinned && error instanceof GitCommandError && isHostKeyFailure(`${error.message}\n${error.stderr}`)) {
        throw conflict(hostKeyChangedMessage(pinnedHost(integration), integration.sshHostKeyFingerprint));
      }
      throw error;
    }
    if (!pinned) await pinFirstHostKeys(prisma, integration, await prepared.readKnownHosts());
    return result;
  });
}

/** The host name of the pinned keys, or of the URL when that cannot be read. */
export function pinnedHost(integration: PinnedHostKeys): string {
  return parseKnownHosts(integration.sshKnownHosts ?? '')[0]?.key.host ?? sshHostAliasOf(integration.repositoryUrl) ?? 'the repository host';
}

/**
 * Stores what ssh accepted on a first connection. Only if still nothing is pinned and the
 * URL is the one connected to: a concurrent reset or a change of host wins.
 */
export async function pinFirstHostKeys(prisma: PrismaClient, integration: Pick<PinnedHostKeys, 'teamId' | 'repositoryUrl'>, knownHosts: string) {
  if (!knownHosts || Buffer.byteLength(knownHosts) > MAX_KNOWN_HOSTS_BYTES) return;
  const entries = parseKnownHosts(knownHosts);
  if (entries.length === 0) return;
  await pinHostKeysIfUnpinned(prisma, integration.teamId, integration.repositoryUrl, entries.map((e) => e.line).join('\n'), entries[0]!.key.fingerprint);
}

/**
 * `host` or `[host]:port` of an ssh repository URL (ssh://[user@]host[:port]/path or
 * user@host:path), null for other URLs. Stored URLs were validated when saved.
 */
export function sshHostAliasOf(url: string): string | null {
  if (url.startsWith('ssh://')) {
    try {
      const parsed = new URL(url);
      return sshHostKeyAlias(parsed.hostname.toLowerCase(), parsed.port || null);
    } catch {
      return null;
    }
  }
  const scp = /^(?:[^@/:]+@)?(\[[^\]]+\]|[^:/]+):(?!\/\/)/.exec(url);
  return scp && !/^[a-z]+:\/\//i.test(url) ? sshHostKeyAlias(scp[1]!.toLowerCase()) : null;
}
