import { prepareSsh, type SshOptions } from './ssh.js';

// Credentials for one git command (or a short sequence of them).
//
// HTTPS tokens: sent as `http.extraHeader: Authorization: Basic ...` through the
// GIT_CONFIG_COUNT/KEY/VALUE environment variables. Nothing is written to disk,
// the remote URL stays credential-free, and `.git/config` never sees the token.
// Redirects are disabled so the header cannot be forwarded to another host.
//
// SSH: every command gets GIT_SSH_COMMAND (see ssh.ts), with or without a deploy
// key and whatever the URL, so ssh never falls back to the service account's keys,
// agent, config or known_hosts. The deploy key and the config's pinned known_hosts
// are written to a private 0700 temp directory that `dispose()` removes right after
// the command; `readKnownHosts()` returns that file, for pinning a first host key.

export type GitAuth =
  | { type: 'token'; token: string; username?: string }
  | { type: 'ssh_key'; privateKey: string }
  | null;

export interface PreparedGitAuth {
  env: Record<string, string>;
  /** Strings to scrub from any output. */
  secrets: string[];
  /** The known_hosts file ssh used, as it is now ('' if ssh never wrote to it). */
  readKnownHosts(): Promise<string>;
  dispose(): Promise<void>;
}

export interface GitAuthOptions {
  /** Host keys pinned for the config (null: none yet) and where ssh connects; see ssh.ts. */
  ssh: Omit<SshOptions, 'privateKey'>;
  /** Config pairs that pin http(s) to the checked address (`http.curloptResolve`, see src/lib/net/remote-target.ts). */
  httpPin?: readonly [string, string][];
}

export async function prepareGitAuth(auth: GitAuth, options: GitAuthOptions): Promise<PreparedGitAuth> {
  // No proxy either (the env is built from scratch, see run.ts): a proxy would resolve the name itself, unpinned.
  const config: [string, string][] = [['http.followRedirects', 'false'], ['http.proxy', ''], ...(options.httpPin ?? [])];
  const ssh = await prepareSsh({ ...options.ssh, privateKey: auth?.type === 'ssh_key' ? auth.privateKey : null });
  const base = { readKnownHosts: ssh.readKnownHosts, dispose: ssh.dispose };
  if (auth?.type === 'token') {
    // GitHub, GitLab and Bitbucket all accept HTTP Basic with a token as the password.
    const basic = Buffer.from(`${auth.username || 'x-access-token'}:${auth.token}`).toString('base64');
    const header = `Authorization: Basic ${basic}`;
    config.push(['http.extraHeader', header]);
    return { ...base, env: { ...configEnv(config), GIT_SSH_COMMAND: ssh.command }, secrets: [auth.token, basic, header] };
  }
  const secrets = auth?.type === 'ssh_key' ? [auth.privateKey.trim()] : [];
  return { ...base, env: { ...configEnv(config), GIT_SSH_COMMAND: ssh.command }, secrets };
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
  options: GitAuthOptions,
  work: (prepared: PreparedGitAuth) => Promise<T>,
): Promise<T> {
  const prepared = await prepareGitAuth(auth, options);
  try {
    return await work(prepared);
  } finally {
    await prepared.dispose();
  }
}
