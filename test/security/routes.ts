import type { FastifyInstance } from 'fastify';

// The route list is read from the app itself (its router), so a route added
// tomorrow is covered by the security tests without anyone listing it here.

export interface AppRoute {
  method: string;
  /** Fastify path with `:param` segments. */
  url: string;
}

/**
 * Routes that are public by design: probes, the OpenAPI document and its UI; and the git providers'
 * webhooks, which are signed with a per-team secret instead of a token (remote-refresh.test.ts).
 */
export const PUBLIC_ROUTES = [
  /^\/_health$/,
  /^\/_ready$/,
  /^\/openapi\.json$/,
  /^\/api\/v1\/openapi\.json$/,
  /^\/docs(\/|$)/,
  /^\/api\/git-integration\/webhooks\/:provider$/,
];

const LINE = /^((?:│ {3}| {4})*)(?:├── |└── )(.+) \(([A-Z, ]+)\)$/;

/** Every method + path the app answers, parsed from `printRoutes`. */
function appRoutes(app: FastifyInstance): AppRoute[] {
  const stack: string[] = [];
  const routes: AppRoute[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    if (!line.trim()) continue;
    const match = LINE.exec(line);
    if (!match) throw new Error(`unparsed printRoutes line: ${line}`);
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const url = stack.join('');
    for (const method of match[3]!.split(',').map((m) => m.trim())) {
      // HEAD mirrors GET; OPTIONS is the CORS preflight, public by design.
      if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, url });
    }
  }
  return routes;
}

/** Browser pages (cookie sessions, HTML, CSRF): test/modules/dashboard covers them, not this Bearer-token matrix. */
const BROWSER_ROUTES = /^\/dashboard(\/|$)/;

export function protectedRoutes(app: FastifyInstance): AppRoute[] {
  return appRoutes(app).filter((route) => !PUBLIC_ROUTES.some((pattern) => pattern.test(route.url)) && !BROWSER_ROUTES.test(route.url));
}

export const routeName = (route: AppRoute) => `${route.method} ${route.url}`;

/** Root paths that alias the workspace surface (`/devices` is `/v1/devices`). */
const WORKSPACE_ROOT_ALIAS = /^\/(devices|workspace-bindings)(\/|$)/;

/** The `/v1` form of a root alias (the form the OpenAPI document lists); other paths unchanged. */
export const canonicalUrl = (url: string) => (WORKSPACE_ROOT_ALIAS.test(url) ? `/v1${url}` : url);

/** The error dialect of the surface a path belongs to. */
function dialectOf(url: string): 'acai' | 'workspace' | 'platform' {
  if (url.startsWith('/api/v1/') || url === '/api/v1') return 'acai';
  if (url.startsWith('/v1/') || url === '/v1' || WORKSPACE_ROOT_ALIAS.test(url)) return 'workspace';
  return 'platform';
}

/** Asserts-friendly check: does this body look like the surface's error dialect? */
export function isDialectError(url: string, body: unknown): boolean {
  const b = body as Record<string, unknown> | null;
  if (!b || typeof b !== 'object') return false;
  switch (dialectOf(url)) {
    case 'acai': {
      const errors = b.errors as Record<string, unknown> | undefined;
      return typeof errors?.detail === 'string';
    }
    case 'workspace':
      return typeof b.error === 'string' && typeof b.code === 'string';
    case 'platform': {
      const error = b.error as Record<string, unknown> | undefined;
      return typeof error?.code === 'string' && typeof error?.message === 'string' && Array.isArray(error?.details);
    }
  }
}
