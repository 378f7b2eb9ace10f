import type { FastifyPluginAsync } from 'fastify';
import { bindingRoutes } from './bindings/routes.js';
import { deviceRoutes } from './devices/routes.js';
import { sessionRoutes } from './sessions/routes.js';

/**
 * The first path segment of every workspace route. The TypeScript SDK calls them at the
 * root (`/devices`), the Python SDK under `/v1`: src/app.ts serves both, and answers
 * unknown paths below these roots in the workspace dialect. A route outside them fails
 * at start-up, so a new root cannot be forgotten here.
 */
export const WORKSPACE_ROOTS = ['/devices', '/workspace-bindings'] as const;

/**
 * Roots of the SDK's other resources (cloud environments, threads), which this server does not
 * serve: their 404 is answered in the workspace dialect too, so the SDK, which reads `error` as
 * a string, shows the message instead of `[object Object]`.
 */
export const WORKSPACE_SDK_UNSERVED_ROOTS = ['/environments', '/threads'] as const;

/**
 * The workspace API (`/v1`, and the same routes at the root): devices, workspace bindings
 * and their push and pull sessions, for the desktop bridge of the ACP platform.
 * What each feature owns, and the session lifecycle: ./README.md.
 */
const workspaceModule: FastifyPluginAsync = async function workspaceModule(app) {
  app.addHook('onRequest', app.authenticate);
  await app.register(deviceRoutes);
  await app.register(bindingRoutes);
  await app.register(sessionRoutes);
};

export default workspaceModule;
