import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGitTempDir } from './temp-dirs.js';

// The one way this server runs ssh (for git over ssh://): nothing of the service
// account may take part. OpenSSH reads the passwd home directory, not $HOME, so an
// isolated HOME is not enough: no config file (-F /dev/null), no default identity
// (~/.ssh/id_*), no agent, no global or user known_hosts. The only identity is the
// team's deploy key, and the only trusted host keys are the ones pinned for the
// team's config, written to a private temp file for the command and read back
// after it (see git-context.ts: first successful connection pins, later ones check).

export interface SshOptions {
  /** The team's deploy key (OpenSSH PEM), or null: then no key at all is offered. */
  privateKey: string | null;
  /**
   * known_hosts lines pinned for this config. Null or '' means nothing is pinned yet:
   * the first host key seen is accepted into the temp file (accept-new); otherwise
   * only the pinned keys are accepted (a key of another type counts as changed).
   */
  knownHosts: string | null;
  /** Connect to this checked address while host keys are looked up under `hostKeyAlias` (see sshHostKeyAlias). */
  connectTo?: { address: string; hostKeyAlias: string };
}

export interface SshSession {
  /** For GIT_SSH_COMMAND. */
  command: string;
  /** The temp known_hosts file as it is now ('' when empty or unreadable). */
  readKnownHosts(): Promise<string>;
  dispose(): Promise<void>;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** How OpenSSH names a host in known_hosts: `host`, or `[host]:port` off port 22. */
export function sshHostKeyAlias(host: string, port?: number | string | null): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return port !== undefined && port !== null && port !== '' && String(port) !== '22' ? `[${bare}]:${port}` : bare;
}

export async function prepareSsh(options: SshOptions): Promise<SshSession> {
  // Named after this process, so a hard exit's leftover (it may hold the deploy key) is swept by the next one.
  const dir = createGitTempDir('git-ssh');
  try {
    return await sessionIn(dir, options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function sessionIn(dir: string, options: SshOptions): Promise<SshSession> {
  const knownHostsFile = join(dir, 'known_hosts');
  const pinned = (options.knownHosts ?? '').trim();
  await writeFile(knownHostsFile, pinned ? `${pinned}\n` : '', { mode: 0o600 });
  const args = [
    'ssh',
    '-F /dev/null',
    '-o IdentitiesOnly=yes',
    '-o IdentityAgent=none',
    '-o BatchMode=yes',
    '-o PasswordAuthentication=no',
    '-o KbdInteractiveAuthentication=no',
    '-o HostbasedAuthentication=no',
    '-o GSSAPIAuthentication=no',
    `-o StrictHostKeyChecking=${pinned ? 'yes' : 'accept-new'}`,
    `-o UserKnownHostsFile=${shellQuote(knownHostsFile)}`,
    '-o GlobalKnownHostsFile=/dev/null',
    // The server must not add or replace pinned keys (hostkeys-00@openssh.com), nor
    // may ssh record the address next to the name.
    '-o UpdateHostKeys=no',
    '-o CheckHostIP=no',
    '-o HashKnownHosts=no',
    '-o VerifyHostKeyDNS=no',
    '-o ControlMaster=no',
    '-o ControlPath=none',
    '-o ForwardAgent=no',
    '-o ForwardX11=no',
    '-o ClearAllForwardings=yes',
    '-o PermitLocalCommand=no',
    '-o ConnectTimeout=15',
  ];
  if (options.connectTo) {
    args.push(`-o HostName=${shellQuote(options.connectTo.address)}`, `-o HostKeyAlias=${shellQuote(options.connectTo.hostKeyAlias)}`);
  }
  if (options.privateKey) {
    const keyFile = join(dir, 'id');
    const key = options.privateKey.endsWith('\n') ? options.privateKey : `${options.privateKey}\n`;
    await writeFile(keyFile, key, { mode: 0o600 });
    args.push(`-o IdentityFile=${shellQuote(keyFile)}`);
  } else {
    // Without any IdentityFile, ssh would fall back to ~/.ssh/id_* of the service account.
    args.push('-o IdentityFile=none', '-o PubkeyAuthentication=no');
  }
  return {
    command: args.join(' '),
    readKnownHosts: () => readFile(knownHostsFile, 'utf8').catch(() => ''),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface PinnedHostKey {
  /** The host as known_hosts names it (`host` or `[host]:port`). */
  host: string;
  keyType: string;
  /** `SHA256:<base64>`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

const KNOWN_HOSTS_LINE = /^(\S+) ((?:ssh|ecdsa|sk)-[A-Za-z0-9@.-]+) ([A-Za-z0-9+/]+={0,2})(?: .*)?$/;
/** Far more than one line per key type ever needs; a file beyond it is not pinned. */
export const MAX_KNOWN_HOSTS_BYTES = 16 * 1024;

/** The plain (unhashed, non-marker) host key lines of a known_hosts text. */
export function parseKnownHosts(text: string): { line: string; key: PinnedHostKey }[] {
  const entries: { line: string; key: PinnedHostKey }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const match = KNOWN_HOSTS_LINE.exec(line);
    if (!match) continue;
    const digest = createHash('sha256').update(Buffer.from(match[3]!, 'base64')).digest('base64').replace(/=+$/, '');
    entries.push({ line: `${match[1]} ${match[2]} ${match[3]}`, key: { host: match[1]!, keyType: match[2]!, fingerprint: `SHA256:${digest}` } });
  }
  return entries;
}

/** "Host key verification failed" from ssh: with pinned keys, the remote now shows another one. */
export function isHostKeyFailure(text: string): boolean {
  return /host key verification failed|remote host identification has changed|host key for .* has changed|no \S+ host key is known for/i.test(text);
}

export function hostKeyChangedMessage(host: string, pinnedFingerprint: string | null): string {
  const name = host.replace(/^\[(.*)\]:(\d+)$/, '$1:$2');
  return (
    `The ssh host key of ${name} changed since it was pinned${pinnedFingerprint ? ` (${pinnedFingerprint})` : ''}; nothing was fetched or pushed. ` +
    'If the server\'s key was replaced on purpose, reset the pinned key with DELETE /api/git-integration/ssh-host-key and retry.'
  );
}
