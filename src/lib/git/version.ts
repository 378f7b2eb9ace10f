import { GitCommandError, runGitText } from './run.js';

// http(s) remotes are pinned to the address that was checked with curl's resolve
// list, given to git as `http.curloptResolve` (src/lib/net/remote-target.ts). Git
// reads that key since 2.37; an older git ignores it without a word and lets curl
// resolve the name again, which would undo the check. So the server does not start
// with an older git while http or https remotes are allowed (SETTINGS.md).

const MIN_GIT_VERSION: readonly [number, number] = [2, 37];

/** Major, minor and patch of `git --version` output ("git version 2.39.5", "… 2.37.1 (Apple Git-137)", "… 2.40.0.windows.1"). */
export function parseGitVersion(output: string): [number, number, number] | null {
  const match = /^git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(output.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : null;
}

export function supportsPinning(version: readonly number[]): boolean {
  const [major = 0, minor = 0] = version;
  return major > MIN_GIT_VERSION[0] || (major === MIN_GIT_VERSION[0] && minor >= MIN_GIT_VERSION[1]);
}

/**
 * Throws (with the message an operator needs) when http or https remotes are allowed but the git on
 * PATH cannot be pinned: missing, unreadable version, or older than MIN_GIT_VERSION.
 */
export async function requirePinnableGit(allowedProtocols: Iterable<string>, readVersion = () => runGitText(['--version'], { timeoutMs: 10_000 })): Promise<void> {
  const http = [...allowedProtocols].filter((protocol) => protocol === 'http' || protocol === 'https');
  if (http.length === 0) return; // ssh is pinned through ssh's own options, whatever git's version
  const minimum = MIN_GIT_VERSION.join('.');
  const remedy = `install git >= ${minimum}, or allow only ssh remotes (GIT_ALLOWED_PROTOCOLS=ssh)`;
  let output: string;
  try {
    output = await readVersion();
  } catch (error) {
    const reason = error instanceof GitCommandError ? error.message : String(error);
    throw new Error(`git is needed for ${http.join('/')} remotes and could not be run (${reason}); ${remedy}`);
  }
  const version = parseGitVersion(output);
  if (!version) throw new Error(`Could not read the git version from "${output.trim().slice(0, 100)}"; ${remedy}`);
  if (!supportsPinning(version)) {
    throw new Error(
      `git ${version.join('.')} is too old for ${http.join('/')} remotes: git >= ${minimum} is needed to pin connections to the checked address (http.curloptResolve); ${remedy}`,
    );
  }
}
