import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Credentials for one git command (or a short sequence of them).
//
// HTTPS tokens: sent as `http.extraHeader: Authorization: Basic ...` through the
// GIT_CONFIG_COUNT/KEY/VALUE environment variables. Nothing is written to disk,
// the remote URL stays credential-free, and `.git/config` never sees the token.
// Redirects are disabled so the header cannot be forwarded to another host.
//
// SSH deploy keys: written to a 0600 file in a private 0700 temp directory that
// is removed by `dispose()` right after the command; GIT_SSH_COMMAND points ssh at
// it, trusting a host key on first use (accept-new) into a known_hosts file the
// caller keeps, and never asking questions (BatchMode).

export type GitAuth =
  | { type: 'token'; token: string; username?: string }
  | { type: 'ssh_key'; privateKey: string }
  | null;

export interface PreparedGitAuth {
  env: Record<string, string>;
  /** Strings to scrub from any output. */
  secrets: string[];
  dispose(): Promise<void>;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export async function prepareGitAuth(auth: GitAuth, options: { knownHostsFile: string }): Promise<PreparedGitAuth> {
  const config: [string, string][] = [['http.followRedirects', 'false']];
  if (auth?.type === 'token') {
    // GitHub, GitLab and Bitbucket all accept HTTP Basic with a token as the password.
    const basic = Buffer.from(`${auth.username || 'x-access-token'}:${auth.token}`).toString('base64');
    const header = `Authorization: Basic ${basic}`;
    config.push(['http.extraHeader', header]);
    return { env: configEnv(config), secrets: [auth.token, basic, header], dispose: async () => undefined };
  }
  if (auth?.type === 'ssh_key') {
    await mkdir(dirname(options.knownHostsFile), { recursive: true });
    const dir = await mkdtemp(join(tmpdir(), 'git-ssh-'));
    const keyFile = join(dir, 'id');
    const key = auth.privateKey.endsWith('\n') ? auth.privateKey : `${auth.privateKey}\n`;
    await writeFile(keyFile, key, { mode: 0o600 });
    const command = [
      'ssh',
      '-F /dev/null',
      `-i ${shellQuote(keyFile)}`,
      '-o IdentitiesOnly=yes',
      '-o StrictHostKeyChecking=accept-new',
      `-o UserKnownHostsFile=${shellQuote(options.knownHostsFile)}`,
      '-o BatchMode=yes',
      '-o ConnectTimeout=15',
    ].join(' ');
    return {
      env: { ...configEnv(config), GIT_SSH_COMMAND: command },
      secrets: [auth.privateKey.trim()],
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  }
  return { env: configEnv(config), secrets: [], dispose: async () => undefined };
}

function configEnv(pairs: [string, string][]): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(pairs.length) };
  pairs.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** Runs `work` with prepared credentials and removes any key file afterwards, even on failure. */
export async function withGitAuth<T>(
  auth: GitAuth,
  options: { knownHostsFile: string },
  work: (prepared: PreparedGitAuth) => Promise<T>,
): Promise<T> {
  const prepared = await prepareGitAuth(auth, options);
  try {
    return await work(prepared);
  } finally {
    await prepared.dispose();
  }
}
