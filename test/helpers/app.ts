import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import supertest from 'supertest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { loggerOptions } from '../../src/http/logger.js';
import { createToken } from '../../src/db/tokens.js';
import type { Scope } from '../../src/lib/auth/scopes.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { stubResolver } from './resolver.js';
import type { HostResolver } from '../../src/lib/net/resolver.js';

/** Every log line the app wrote, parsed, for assertions (and for the secrets check). */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.raw.push(line);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ msg: line });
        }
      }
      callback();
    },
  });
  text(): string {
    return this.raw.join('\n');
  }
}

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  database: TestDatabase;
  config: Config;
  jobs: JobRunner | null;
  logs: LogCapture;
  logger: Logger;
  http(): supertest.Agent;
  token(options?: { team?: string; user?: string; scopes?: readonly Scope[]; expiresAt?: Date }): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Start the job runner (the git integration needs it). */
  jobs?: boolean;
  /** Reuse a database created earlier (e.g. to restart an app on the same data). */
  database?: TestDatabase;
  /** Host names of git remotes; default stubResolver() (fixed names and /etc/hosts, never DNS). */
  resolver?: HostResolver;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  // Files the app writes (git working copies, a generated credentials key) stay out of the repository.
  const dataDir = await mkdtemp(join(tmpdir(), 'spec-sync-app-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    RATE_LIMITS: 'off',
    DATABASE_URL: database.url,
    DB_POOL_SIZE: '5',
    ...options.env,
  });
  const logs = new LogCapture();
  // Production logger options (JSON lines, redaction) into a capture stream.
  const logger = pino(loggerOptions({ ...config, env: 'production' }), logs.stream);
  const db = await openDatabase(config, { logger: logger });
  const jobs = options.jobs ? new JobRunner(db.url, logger.child({ component: 'jobs' }), { max: 3, monitorIntervalSeconds: config.jobs.monitorIntervalSeconds }) : null;
  const app = await buildApp({ config, db, jobs, logger: logger, resolver: options.resolver ?? stubResolver() });
  await app.ready();
  await jobs?.start();

  return {
    app,
    db,
    database,
    config,
    jobs,
    logs,
    logger,
    http: () => supertest.agent(app.server),
    async token(tokenOptions = {}) {
      const created = await createToken(db.prisma, {
        team: tokenOptions.team ?? 'team-a',
        user: tokenOptions.user ?? 'alice',
        scopes: tokenOptions.scopes,
        expiresAt: tokenOptions.expiresAt ?? null,
      });
      return created.token;
    },
    async close() {
      await app.close();
      await jobs?.stop();
      await db.close();
      if (!options.database) await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
