import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { pino, type Logger } from 'pino';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { JobRunner } from './jobs/runner.js';
import { fastifyTrustProxy } from './lib/trust-proxy.js';
import { systemResolver, type HostResolver } from './lib/net/resolver.js';
import corePlugin from './plugins/db.js';
import authPlugin from './plugins/auth.js';
import openapiPlugin from './plugins/openapi.js';
import securityHeadersPlugin from './plugins/security-headers.js';
import corsPlugin from './plugins/cors.js';
import { useErrorDialect, sendError, toAppError } from './http/error-handler.js';
import { loggerOptions } from './http/logger.js';
import type { Dialect } from './http/dialects.js';
import healthRoutes from './modules/health/routes.js';
import acaiModule from './modules/acai/index.js';
import gitIntegrationModule from './modules/git-integration/index.js';
import pipelinesModule from './modules/pipelines/index.js';
import workspaceModule from './modules/workspace/index.js';

export interface AppDependencies {
  config: Config;
  db: Database;
  jobs?: JobRunner | null;
  /** The process logger; tests pass one that captures lines. */
  logger?: Logger;
  /** Host name resolution for git remotes (default: the system's); tests map names to addresses. */
  resolver?: HostResolver;
}

// Modules are plain async plugins; each installs its own auth hook and routes.
type ModulePlugin = FastifyPluginAsync;

/**
 * One API surface: a URL prefix, the error dialect its clients parse, and the
 * modules that live under it. Each surface is its own encapsulated context, so
 * its error and not-found handlers apply to exactly its routes.
 */
interface ApiSurface {
  prefix: string;
  dialect: Dialect;
  modules: ModulePlugin[];
}

const API_SURFACES: ApiSurface[] = [
  { prefix: '/api/v1', dialect: 'acai', modules: [acaiModule] },
  { prefix: '/v1', dialect: 'workspace', modules: [workspaceModule] },
  { prefix: '/api', dialect: 'platform', modules: [gitIntegrationModule, pipelinesModule] },
];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function surfaceDialect(url: string): Dialect {
  return API_SURFACES.find((surface) => url === surface.prefix || url.startsWith(`${surface.prefix}/`))?.dialect ?? 'platform';
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: (deps.logger ?? pino(loggerOptions(config))) as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimit,
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: 72_000,
    trustProxy: fastifyTrustProxy(config.http.trustProxy),
    // genReqId reads x-request-id itself, so a malformed one is replaced, not trusted.
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    // Router errors (bad URL encoding, an over-long path parameter) come before any surface's handler.
    frameworkErrors: (error, request, reply) => {
      const dialect = surfaceDialect(request.url);
      return sendError(dialect, toAppError(error, dialect), request, reply);
    },
    routerOptions: { maxParamLength: 256 },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  await app.register(corePlugin, { config, db: deps.db, jobs: deps.jobs ?? null, resolver: deps.resolver ?? systemResolver });
  await app.register(authPlugin);
  await app.register(openapiPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(corsPlugin);

  // Outside every API surface (e.g. a typo at the root) the platform dialect applies.
  useErrorDialect(app, 'platform');
  await app.register(healthRoutes);

  for (const surface of API_SURFACES) {
    await app.register(
      async (scope) => {
        useErrorDialect(scope, surface.dialect);
        for (const module of surface.modules) await scope.register(module);
      },
      { prefix: surface.prefix },
    );
  }

  return app;
}

export { sendError, toAppError };
