import type { FastifyPluginAsync } from 'fastify';
import bindingRoutes from './binding-routes.js';
import deviceRoutes from './device-routes.js';
import sessionRoutes from './session-routes.js';

/**
 * The workspace API (`/v1`): devices, workspace bindings and their push and pull
 * sessions, for the desktop bridge of the ACP platform. Lifecycle: ./README.md.
 */
const workspaceModule: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate);
  await app.register(deviceRoutes);
  await app.register(bindingRoutes);
  await app.register(sessionRoutes);
};

export default workspaceModule;
