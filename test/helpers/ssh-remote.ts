import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server-process.js';

// A real OpenSSH server on a loopback port for tests of git over ssh: its own host
// key, config and authorized_keys in a temp directory; every authorized key may
// only run git-shell (so the server side is git-upload-pack / git-receive-pack on
// bare repositories given by absolute path). Debian's openssh-server provides
// /usr/sbin/sshd (.ci/run installs it when missing).

const SSHD = '/usr/sbin/sshd';

/** Why sshd cannot run here, or null when it can. */
export function sshdUnavailable(): string | null {
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install openssh-server)`;
  try {
    // Privilege separation needs this directory (the package creates it at boot, not in containers).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch {
    if (!existsSync('/run/sshd')) return '/run/sshd does not exist and cannot be created';
  }
  return null;
}

export interface SshRemote {
  port: number;
  /** The login the tests' URLs use: the user running the tests (sshd only lets in its own user). */
  user: string;
  /** `SHA256:...` of the host key currently served. */
  hostKeyFingerprint: string;
  /** `ssh://user@127.0.0.1:port/<absolute bare repository path>` */
  url(repositoryPath: string): string;
  /** Lets `publicKey` (an OpenSSH public key line) run git-shell. */
  authorize(publicKey: string): void;
  /** Stops sshd and starts it again on the same port with a freshly generated host key. */
  replaceHostKey(): Promise<void>;
  /** sshd's log (-e), for diagnosing failures. */
  log(): string;
  close(): Promise<void>;
}

function fingerprintOf(publicKeyFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' }).split(' ')[1]!;
}

export async function startSshRemote(): Promise<SshRemote> {
  const dir = mkdtempSync(join(tmpdir(), 'sshd-'));
  const port = await freePort();
  const user = userInfo().username;
  const hostKey = join(dir, 'host_ed25519');
  const authorizedKeys = join(dir, 'authorized_keys');
  const config = join(dir, 'sshd_config');
  writeFileSync(authorizedKeys, '', { mode: 0o600 });
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${user}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'HostbasedAuthentication no',
      'AllowAgentForwarding no',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'PermitUserEnvironment no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );

  let log = '';
  let child: ChildProcess | undefined;
  let fingerprint = '';

  const start = async () => {
    rmSync(hostKey, { force: true });
    rmSync(`${hostKey}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-sshd', '-f', hostKey]);
    fingerprint = fingerprintOf(`${hostKey}.pub`);
    const started = spawn(SSHD, ['-D', '-e', '-f', config, '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sshd did not start:\n${log}`)), 10_000);
      started.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString('utf8');
        if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sshd exited with ${code}:\n${log}`));
      });
    });
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise((resolve) => {
      running.once('exit', resolve);
      running.kill('SIGTERM');
    });
  };

  await start();
  return {
    port,
    user,
    get hostKeyFingerprint() {
      return fingerprint;
    },
    url: (repositoryPath) => `ssh://${user}@127.0.0.1:${port}${repositoryPath}`,
    authorize(publicKey) {
      const line = `command="git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty ${publicKey.trim()}\n`;
      writeFileSync(authorizedKeys, readFileSync(authorizedKeys, 'utf8') + line);
    },
    async replaceHostKey() {
      await stop();
      await start();
    },
    log: () => log,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
