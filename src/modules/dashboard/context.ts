import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../../lib/errors.js';
import type { Scope } from '../../lib/auth/scopes.js';
import type { DashboardSession } from './sessions/service.js';
import type { Html } from './html.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in dashboard user, set by the session hook of the member pages. */
    dashboard: { session: DashboardSession; csrf: string } | null;
  }
}

export interface Viewer {
  session: DashboardSession;
  csrf: string;
}

export const SESSION_COOKIE = 'dashboard_session';
export const BASE = '/dashboard';

export function viewerOf(request: FastifyRequest): Viewer {
  if (!request.dashboard) throw unauthorized('Sign in first');
  return request.dashboard;
}

export function requireScope(viewer: Viewer, scope: Scope): void {
  if (!viewer.session.scopes.has(scope)) throw forbidden(`This needs the ${scope} permission`);
}

export function can(viewer: Viewer, scope: Scope): boolean {
  return viewer.session.scopes.has(scope);
}

export function sendPage(reply: FastifyReply, page: Html, status = 200) {
  return reply.code(status).type('text/html; charset=utf-8').send(page.text);
}

/** Team home URL and the URLs below it. */
export const teamUrl = (team: string, ...parts: string[]) => [`${BASE}/t/${encodeURIComponent(team)}`, ...parts.map(encodeURIComponent)].join('/');
