import type { GitTarget } from '../net/remote-target.js';
import { prepareSsh } from './ssh.js';

// Credentials for one git command (or a short sequence of them).
//
// Credentials are prepared for ONE checked remote (a GitTarget: canonical URL and
// the pin of that URL), and the result carries that URL: every network git command
// is given `prepared.url` on its command line, so the URL git contacts, the address
// it connects to and the credentials it sends come from one object and cannot
// diverge. No remote URL is ever read from a clone's config (see repository.ts).
//
// HTTPS tokens: sent as `http.<url>.extraHeader: Authorization: Basic ...` through the
// GIT_CONFIG_COUNT/KEY/VALUE environment variables. Nothing is written to disk,
// the remote URL stays credential-free, and `.git/config` never sees the token.
// The header is scoped to the target URL (git's own URL matching), so git would not
// send it to any other URL even if asked to contact one. Redirects are disabled.
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
  /** The canonical URL these credentials and pins were prepared for: the only URL a network git command may be given. */
  url: string;
  env: Record<string, string>;
  /** Strings to scrub from any output. */
  secrets: string[];
  /** The known_hosts file ssh used, as it is now ('' if ssh never wrote to it). */
  readKnownHosts(): Promise<string>;
  dispose(): Promise<void>;
}

export interface GitAuthOptions {
  /**
   * The one remote the credentials are for (src/lib/net/remote-target.ts gitTarget):
   * its canonical URL, curl's resolve entry (`http.curloptResolve`) and ssh's checked address.
   */
  target: GitTarget;
  /** Host keys pinned for the config (null: none yet); see ssh.ts. */
  knownHosts: string | null;
}

export async function prepareGitAuth(auth: GitAuth, options: GitAuthOptions): Promise<PreparedGitAuth> {
  const { target } = options;
  // No proxy either (the env is built from scratch, see run.ts): a proxy would resolve the name itself, unpinned.
  const config: [string, string][] = [['http.followRedirects', 'false'], ['http.proxy', ''], ...target.httpPin];
  const ssh = await prepareSsh({ knownHosts: options.knownHosts, connectTo: target.connectTo, privateKey: auth?.type === 'ssh_key' ? auth.privateKey : null });
  const base = { url: target.url, readKnownHosts: ssh.readKnownHosts, dispose: ssh.dispose };
  if (auth?.type === 'token') {
    // GitHub, GitLab and Bitbucket all accept HTTP Basic with a token as the password.
    const basic = Buffer.from(`${auth.username || 'x-access-token'}:${auth.token}`).toString('base64');
    const header = `Authorization: Basic ${basic}`;
    config.push([`http.${target.url}.extraHeader`, header]);
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
