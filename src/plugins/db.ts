import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import type { Config } from '../config.js';
import type { JobRunner } from '../jobs/runner.js';
import type { HostResolver } from '../lib/net/resolver.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Database;
    /** Absent when JOBS=off (e.g. a token CLI or a benchmark that needs no background work). */
    jobs: JobRunner | null;
    /** Resolves the host names of git remotes (injected: tests send no DNS query). */
    resolver: HostResolver;
  }
}

export interface CoreDependencies {
  config: Config;
  db: Database;
  jobs: JobRunner | null;
  resolver: HostResolver;
}

/** Makes the process-wide dependencies available to every plugin and route. */
export default fp(
  async function corePlugin(app: FastifyInstance, deps: CoreDependencies) {
    app.decorate('config', deps.config);
    app.decorate('db', deps.db);
    app.decorate('jobs', deps.jobs);
    app.decorate('resolver', deps.resolver);
  },
  { name: 'db' },
);
