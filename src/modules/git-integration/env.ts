import { z } from 'zod';
import { envFlag } from '../../lib/env-flag.js';
import { parseSecretKey } from '../../lib/crypto/secret-box.js';
import { parsePrivateHostList } from '../../lib/net/address-policy.js';

// Environment settings of the git integration, merged into the server's env schema
// (src/config.ts) and read once at start.

const PROTOCOLS = ['https', 'ssh', 'http', 'file'] as const;
export type GitProtocol = (typeof PROTOCOLS)[number];

export const gitIntegrationEnv = z.object({
  /**
   * 32-byte key (64 hex chars or base64) encrypting git credentials and deploy keys
   * at rest. Unset: a key file `DATA_DIR/credentials.key` (mode 0600) is created and
   * used, with a warning; production should set this variable.
   */
  GIT_CREDENTIALS_KEY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v || v.trim() === '') return undefined;
      try {
        return parseSecretKey(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Remote URL schemes teams may configure; `http` and `file` only for trusted setups. */
  GIT_ALLOWED_PROTOCOLS: z
    .string()
    .default('https,ssh')
    .transform((v) => v.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(PROTOCOLS)).min(1)),
  /** Allow remotes on loopback, private, link-local and metadata addresses (tests, on-prem). */
  GIT_ALLOW_PRIVATE_HOSTS: envFlag.default(false),
  /**
   * Finer than GIT_ALLOW_PRIVATE_HOSTS: host names and networks (CIDR) that remotes may
   * resolve to although private, e.g. `gitea.internal,10.20.0.0/16` for a self-hosted
   * GitLab or Gitea on an internal network. Every other private address stays refused.
   */
  GIT_ALLOWED_PRIVATE_HOSTS: z
    .string()
    .default('')
    .superRefine((v, ctx) => {
      try {
        parsePrivateHostList(v, false);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  // ── git operations (push/pull/test/history) ──
  /** Upper bound of one network git command (fetch, push, ls-remote); the process is killed after it. */
  GIT_NETWORK_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Upper bound of one local git command (ls-tree, cat-file, commit-tree...). */
  GIT_LOCAL_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** Push attempts when the remote branch moved meanwhile (fetch, rebuild the commit, retry; never forced). */
  GIT_PUSH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** Pipeline files larger than this are skipped (and reported) by a pull. */
  GIT_MAX_FILE_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  /**
   * Files (of any kind) under the path prefix a pull or push reads from a tree; a tree with more fails
   * the operation (reading on would hold the whole listing in memory, and a cut listing would delete pipelines).
   */
  GIT_MAX_TREE_ENTRIES: z.coerce.number().int().min(1).default(20_000),
  /** Skipped files a pull's result lists by path (sorted); beyond, only counted per reason. */
  GIT_MAX_REPORTED_SKIPS: z.coerce.number().int().min(0).default(200),
  /** Seconds a running operation may hold its job before pg-boss considers the worker dead and retries it. */
  GIT_OPERATION_EXPIRE_SECONDS: z.coerce.number().int().min(30).default(15 * 60),
  /** A worker proves it is alive this often (halved); a dead one's operation is retried after it plus JOBS_MONITOR_INTERVAL_SECONDS. */
  GIT_OPERATION_HEARTBEAT_SECONDS: z.coerce.number().int().min(10).default(30),
  /** Operations (push/pull) of all teams that run at the same time in one server process; one team runs one at a time. */
  GIT_OPERATION_WORKERS: z.coerce.number().int().min(1).max(64).default(4),
  /** Push/pull operations a team may have queued or running; more are refused with 429. */
  GIT_MAX_QUEUED_OPERATIONS: z.coerce.number().int().min(1).default(20),
  /** Network git commands run by requests (/history, /test) at the same time in one server process; more get 429. */
  GIT_REQUEST_CONCURRENCY: z.coerce.number().int().min(1).default(8),
  /** The same, per team. */
  GIT_REQUEST_CONCURRENCY_PER_TEAM: z.coerce.number().int().min(1).default(2),
  /**
   * A read of /status or /history queues a background refresh of the team's remote view (fetch, commits ahead)
   * when the view is older than this; the read itself never waits for it (except with ?refresh=true).
   */
  GIT_REMOTE_REFRESH_SECONDS: z.coerce.number().int().min(1).default(30),
  /** /history answers from the team's clone without contacting the remote when the clone was fetched this recently. */
  GIT_HISTORY_FRESH_SECONDS: z.coerce.number().int().min(0).default(60),
  /** Provider REST API bases for self-hosted instances: `github=https://ghe.example/api/v3,gitlab=https://gl.example/api/v4`. */
  GIT_PROVIDER_API_URLS: z.string().default(''),
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  GITLAB_API_URL: z.string().url().default('https://gitlab.com/api/v4'),
  BITBUCKET_API_URL: z.string().url().default('https://api.bitbucket.org'),
  /** GitHub App used for `github_app` credentials (installation tokens). */
  GITHUB_APP_ID: z.string().optional(),
  /** The App's PEM private key; literal `\n` sequences are accepted for single-line env files. */
  GITHUB_APP_PRIVATE_KEY: z.string().optional(),
  /**
   * Where the App's repositories are cloned from (`scheme://host[:port]`): installation
   * tokens are only ever sent there and to the GitHub API base. Unset: https://github.com
   * for api.github.com, otherwise the API base's own origin (GitHub Enterprise).
   */
  GITHUB_GIT_URL: z
    .string()
    .url()
    .optional()
    .refine((v) => v === undefined || /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL')
    .refine((v) => v === undefined || ['', '/'].includes(new URL(v).pathname), 'must be an origin (scheme://host[:port]) without a path'),
  /**
   * The App's OAuth client (its settings page): a team links an installation only through
   * GitHub's user authorization, so App credentials need these as well (required with GITHUB_APP_ID).
   */
  GITHUB_APP_CLIENT_ID: z.string().trim().min(1).optional(),
  GITHUB_APP_CLIENT_SECRET: z.string().trim().min(1).optional(),
  /** The App's URL name (github.com/apps/<slug>): enables the install link. */
  GITHUB_APP_SLUG: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'must be the App slug (lowercase letters, digits, hyphens)')
    .optional(),
  /** GitHub's web origin (authorization and install pages, code exchange); unset: GITHUB_GIT_URL's. */
  GITHUB_WEB_URL: z
    .string()
    .url()
    .optional()
    .refine((v) => v === undefined || /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL')
    .refine((v) => v === undefined || ['', '/'].includes(new URL(v).pathname), 'must be an origin (scheme://host[:port]) without a path'),
});

/** The origin git talks to for a GitHub API base: github.com's API lives on its own host. */
function githubGitOrigin(apiBaseUrl: string, explicit: string | undefined): string {
  if (explicit) return new URL(explicit).origin;
  const api = new URL(apiBaseUrl);
  return api.hostname === 'api.github.com' ? 'https://github.com' : api.origin;
}

function providerApiUrls(env: z.infer<typeof gitIntegrationEnv>): Record<'github' | 'gitlab' | 'bitbucket', string> {
  const urls = { github: env.GITHUB_API_URL, gitlab: env.GITLAB_API_URL, bitbucket: env.BITBUCKET_API_URL };
  for (const pair of env.GIT_PROVIDER_API_URLS.split(',')) {
    const [name, url] = pair.split('=').map((s) => s.trim());
    if ((name === 'github' || name === 'gitlab' || name === 'bitbucket') && url) urls[name] = url;
  }
  for (const key of Object.keys(urls) as (keyof typeof urls)[]) urls[key] = urls[key].replace(/\/+$/, '');
  return urls;
}

/** Settings that only make sense together; thrown at start, before anything listens. */
export function githubAppEnvProblems(env: z.infer<typeof gitIntegrationEnv>): string[] {
  const problems: string[] = [];
  const app = Boolean(env.GITHUB_APP_ID || env.GITHUB_APP_PRIVATE_KEY);
  if (app && !(env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY)) problems.push('GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY: set both or neither');
  for (const name of ['GITHUB_APP_CLIENT_ID', 'GITHUB_APP_CLIENT_SECRET'] as const) {
    // Without the OAuth client no team can prove access to an installation, so App credentials could never be used.
    if (app && !env[name]) problems.push(`${name}: required with GITHUB_APP_ID (teams link installations through GitHub's user authorization)`);
  }
  return problems;
}

export function toGitIntegrationConfig(env: z.infer<typeof gitIntegrationEnv>) {
  const problems = githubAppEnvProblems(env);
  if (problems.length > 0) throw new Error(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  const apiUrls = providerApiUrls(env);
  return {
    credentialsKey: env.GIT_CREDENTIALS_KEY,
    allowedProtocols: new Set<GitProtocol>(env.GIT_ALLOWED_PROTOCOLS),
    allowPrivateHosts: env.GIT_ALLOW_PRIVATE_HOSTS,
    privateHosts: parsePrivateHostList(env.GIT_ALLOWED_PRIVATE_HOSTS, env.GIT_ALLOW_PRIVATE_HOSTS),
    operations: {
      networkTimeoutMs: env.GIT_NETWORK_TIMEOUT_MS,
      localTimeoutMs: env.GIT_LOCAL_TIMEOUT_MS,
      pushMaxAttempts: env.GIT_PUSH_MAX_ATTEMPTS,
      maxFileBytes: env.GIT_MAX_FILE_BYTES,
      maxTreeEntries: env.GIT_MAX_TREE_ENTRIES,
      maxReportedSkips: env.GIT_MAX_REPORTED_SKIPS,
      expireSeconds: env.GIT_OPERATION_EXPIRE_SECONDS,
      heartbeatSeconds: env.GIT_OPERATION_HEARTBEAT_SECONDS,
      workers: env.GIT_OPERATION_WORKERS,
      maxQueuedPerTeam: env.GIT_MAX_QUEUED_OPERATIONS,
      requestConcurrency: env.GIT_REQUEST_CONCURRENCY,
      requestConcurrencyPerTeam: env.GIT_REQUEST_CONCURRENCY_PER_TEAM,
      historyFreshSeconds: env.GIT_HISTORY_FRESH_SECONDS,
      remoteRefreshSeconds: env.GIT_REMOTE_REFRESH_SECONDS,
    },
    providerApiUrls: apiUrls,
    githubApp:
      env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY
        ? {
            appId: env.GITHUB_APP_ID,
            privateKey: env.GITHUB_APP_PRIVATE_KEY.replace(/\\n/g, '\n'),
            /** The only two places an installation token is ever sent. */
            apiBaseUrl: apiUrls.github,
            gitOrigin: githubGitOrigin(apiUrls.github, env.GITHUB_GIT_URL),
            clientId: env.GITHUB_APP_CLIENT_ID!,
            clientSecret: env.GITHUB_APP_CLIENT_SECRET!,
            slug: env.GITHUB_APP_SLUG ?? null,
            /** Where users authorize the App and codes are exchanged (the client secret goes only there). */
            webOrigin: env.GITHUB_WEB_URL ? new URL(env.GITHUB_WEB_URL).origin : githubGitOrigin(apiUrls.github, env.GITHUB_GIT_URL),
          }
        : null,
  };
}
