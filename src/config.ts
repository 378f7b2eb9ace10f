import { resolve } from 'node:path';
import { z } from 'zod';
import { envFlag } from './lib/env-flag.js';
import { trustProxySetting } from './lib/trust-proxy.js';
import { githubAppEnvProblems, gitIntegrationEnv, toGitIntegrationConfig } from './modules/git-integration/env.js';
import { pipelinesEnv, toPipelinesConfig } from './modules/pipelines/env.js';
import { featureStatesEnv, pushEnv, toFeatureStatesConfig, toPushConfig } from './modules/acai/env.js';
import { toWorkspaceConfig, workspaceEnv } from './modules/workspace/env.js';
import { dashboardEnv, toDashboardConfig } from './modules/dashboard/env.js';

// Read and validated once at start; everything else receives the parsed object.

const positiveInt = z.coerce.number().int().positive();

/** The URL forms ioredis reads, without query options (which it would take as client settings). */
function isRedisUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && /^(\/\d{0,2})?$/.test(url.pathname) && url.search === '' && url.hash === '';
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL'),
  DATA_DIR: z.string().min(1).default('./.data'),
  /** Every connection this process opens: the request pool gets what the job runner leaves (jobPoolSize). */
  DB_POOL_SIZE: positiveInt.max(200).default(14),
  /** SQL-level PREPARE of the push statements: off behind a pooler in transaction mode, which cannot track them. */
  DB_SQL_PREPARE: envFlag.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Default byte cap of a request body; modules may allow more on specific routes. */
  BODY_LIMIT_BYTES: positiveInt.default(1024 * 1024),
  RATE_LIMITS: envFlag.default(true),
  RATE_LIMIT_PER_TOKEN_PER_MINUTE: positiveInt.default(1200),
  AUTH_FAILURES_PER_MINUTE: positiveInt.default(30),
  /** Where rate-limit counters are shared by every instance; unset = each process counts on its own. */
  REDIS_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || isRedisUrl(v), 'must be redis://[user:password@]host[:port][/db] or rediss://… (TLS)'),
  /** Prefix of every key written to Redis: deployments (or test files) sharing one Redis keep apart. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\x21-\x7e]{1,100}$/, 'must be 1 to 100 printable characters without spaces')
    .default('spec-sync:'),
  /** Which X-Forwarded-For hops count as the client's address (rate limits, logs); none by default. */
  TRUST_PROXY: trustProxySetting,
  /** How long a successful token lookup is reused (0 = never): revocation takes effect within it. */
  TOKEN_CACHE_TTL_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  REQUEST_TIMEOUT_MS: positiveInt.default(60_000),
  JOBS: envFlag.default(true),
  /** How often each instance looks for expired jobs and for workers whose heartbeat stopped. */
  JOBS_MONITOR_INTERVAL_SECONDS: positiveInt.max(3600).default(15),
  /** Serves GET /metrics (Prometheus) to this bearer token; unset = no /metrics route. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Browser origins (e.g. the pipeline UI) allowed to call the API; none by default (no CORS headers). */
  CORS_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .refine((list) => list.every((o) => /^https?:\/\/[^/\s]+$/.test(o)), 'must be a comma list of origins such as https://app.example.com (no path)'),
  ...gitIntegrationEnv.shape,
  ...pipelinesEnv.shape,
  ...featureStatesEnv.shape,
  ...pushEnv.shape,
  ...workspaceEnv.shape,
  ...dashboardEnv.shape,
});

export type Config = ReturnType<typeof toConfig>;

/** Every variable the server reads (the README's configuration tables list each one). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** Variables where an empty value has a documented meaning; every other empty value is refused. */
const EMPTY_ALLOWED = new Set(['DATABASE_URL']); // empty = the embedded database

/**
 * The job runner's share of DB_POOL_SIZE: a quarter, between 1 and 4 (it polls and completes jobs;
 * the work itself runs on the request pool), none when JOBS is off.
 */
function jobPoolSize(total: number, jobsEnabled: boolean): number {
  return jobsEnabled ? Math.min(4, Math.max(1, Math.floor(total / 4))) : 0;
}

function toConfig(env: z.infer<typeof envSchema>) {
  const jobConnections = jobPoolSize(env.DB_POOL_SIZE, env.JOBS);
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    database: {
      url: env.DATABASE_URL,
      dataDir: resolve(env.DATA_DIR),
      /** The request pool: DB_POOL_SIZE less the job runner's connections. */
      poolSize: env.DB_POOL_SIZE - jobConnections,
      sqlPrepare: env.DB_SQL_PREPARE,
    },
    http: {
      bodyLimit: env.BODY_LIMIT_BYTES,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
      trustProxy: env.TRUST_PROXY,
    },
    rateLimits: {
      enabled: env.RATE_LIMITS,
      perTokenPerMinute: env.RATE_LIMIT_PER_TOKEN_PER_MINUTE,
      authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
      /** Counters shared through this Redis; null = counted in this process's memory. */
      redis: env.REDIS_URL ? { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX } : null,
    },
    auth: { tokenCacheTtlMs: env.TOKEN_CACHE_TTL_MS },
    jobs: {
      enabled: env.JOBS,
      monitorIntervalSeconds: env.JOBS_MONITOR_INTERVAL_SECONDS,
      poolSize: jobConnections,
      /** Within SHUTDOWN_GRACE_MS, leaving time to close the database after (the process exits at the grace). */
      stopTimeoutMs: Math.round(Math.max(env.SHUTDOWN_GRACE_MS * 0.8, env.SHUTDOWN_GRACE_MS - 2000)),
    },
    cors: { allowedOrigins: env.CORS_ALLOWED_ORIGINS },
    metrics: { token: env.METRICS_TOKEN },
    gitIntegration: toGitIntegrationConfig(env),
    pipelines: toPipelinesConfig(env),
    acaiFeatureStates: toFeatureStatesConfig(env),
    acaiPush: toPushConfig(env),
    workspace: toWorkspaceConfig(env),
    dashboard: toDashboardConfig(env),
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const empty = Object.keys(envSchema.shape)
    .filter((name) => !EMPTY_ALLOWED.has(name) && env[name] !== undefined && env[name]!.trim() === '')
    .map((name) => `  ${name}: is set but empty; unset it to use the default, or give it a value`);
  const parsed = envSchema.safeParse(env);
  if (!parsed.success || empty.length > 0) {
    const emptyNames = new Set(empty.map((line) => line.trim().split(':')[0]));
    const lines = (parsed.error?.issues ?? [])
      .filter((i) => !emptyNames.has(String(i.path[0])))
      .map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${[...empty, ...lines].join('\n')}`);
  }
  if (parsed.data.JOBS && parsed.data.DB_POOL_SIZE < 2) {
    throw new ConfigError('Invalid configuration:\n  DB_POOL_SIZE: must be at least 2 while JOBS is on (the job runner needs one of them)');
  }
  const problems = githubAppEnvProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return toConfig(parsed.data);
}
