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
import rateLimitsPlugin from './plugins/rate-limits.js';
import openapiPlugin from './plugins/openapi.js';
import securityHeadersPlugin from './plugins/security-headers.js';
import corsPlugin from './plugins/cors.js';
import metricsPlugin, { type DatabaseGauge } from './plugins/metrics.js';
import { useErrorDialect, useErrorHandler, sendError, toAppError } from './http/error-handler.js';
import { loggerOptions } from './http/logger.js';
import type { Dialect } from './http/dialects.js';
import { healthRoutes } from './http/health.js';
import acaiModule from './modules/acai/index.js';
import gitIntegrationModule, { gitOperationsGauge } from './modules/git-integration/index.js';
import pipelinesModule from './modules/pipelines/index.js';
import tokensModule from './modules/tokens/index.js';
import dashboardModule from './modules/dashboard/index.js';
import workspaceModule, { WORKSPACE_ROOTS, WORKSPACE_SDK_UNSERVED_ROOTS } from './modules/workspace/index.js';

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
  { prefix: '/api', dialect: 'platform', modules: [gitIntegrationModule, pipelinesModule, tokensModule] },
];

/**
 * The same modules once more at the root, for clients that drop the surface prefix: the
 * TypeScript workspace SDK builds `new URL('/devices', baseUrl)`. One set of handlers on
 * two prefixes; the root registrations are hidden from the OpenAPI document, which lists
 * the prefixed form. `roots` are the first path segments the modules use: a route outside
 * them fails at start-up, and unknown paths below them answer in the surface's dialect.
 */
export interface RootAlias {
  of: string;
  roots: readonly string[];
  dialect: Dialect;
  modules: ModulePlugin[];
}

const ROOT_ALIASES: RootAlias[] = [{ of: '/v1', roots: WORKSPACE_ROOTS, dialect: 'workspace', modules: [workspaceModule] }];

/** Modules' gauges read from the database at each scrape (GET /metrics); plugins import no module, so they are wired here. */
const MODULE_GAUGES: DatabaseGauge[] = [gitOperationsGauge];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

function surfaceDialect(url: string): Dialect {
  const path = url.split('?')[0]!;
  return (
    API_SURFACES.find((surface) => under(path, surface.prefix))?.dialect ??
    ROOT_ALIASES.find((alias) => alias.roots.some((root) => under(path, root)))?.dialect ??
    (WORKSPACE_SDK_UNSERVED_ROOTS.some((root) => under(path, root)) ? 'workspace' : 'platform')
  );
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
  await app.register(rateLimitsPlugin);
  await app.register(authPlugin);
  await app.register(openapiPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(corsPlugin);
  await app.register(metricsPlugin, { databaseGauges: MODULE_GAUGES });

  // Outside every API surface (e.g. a typo at the root) the platform dialect applies,
  // except below the roots of an alias (e.g. `/devices/x/unknown`: workspace dialect).
  useErrorDialect(app, 'platform', surfaceDialect);
  await app.register(healthRoutes);

  for (const surface of API_SURFACES) {
    await app.register(
      async function apiSurface(scope) {
        useErrorDialect(scope, surface.dialect);
        for (const module of surface.modules) await scope.register(module);
      },
      { prefix: surface.prefix },
    );
  }

  for (const alias of ROOT_ALIASES) await registerRootAlias(app, alias);

  // HTML pages for people, with cookie sessions; error pages instead of a JSON dialect.
  await app.register(dashboardModule, { prefix: '/dashboard' });

  return app;
}

/** Registers the modules of `alias` once more, without prefix, hidden from the OpenAPI document. */
export async function registerRootAlias(app: FastifyInstance, alias: RootAlias): Promise<void> {
  await app.register(async function rootAlias(scope) {
    // No prefix, hence no not-found handler of its own: the root's picks the dialect by path.
    useErrorHandler(scope, alias.dialect);
    scope.addHook('onRoute', (route) => {
      if (!alias.roots.some((root) => under(route.url, root))) {
        throw new Error(`${String(route.method)} ${route.url} is outside the root alias of ${alias.of} (${alias.roots.join(', ')})`);
      }
      route.schema = { ...route.schema, hide: true };
    });
    for (const module of alias.modules) await scope.register(module);
  });
}

