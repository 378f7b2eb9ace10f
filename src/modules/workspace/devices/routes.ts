import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf } from '../../../plugins/auth.js';
import { errorResponses } from '../../../http/dialects.js';
import { noContent } from '../schemas.js';
import { deviceListQuery, deviceListResponse, deviceParams, deviceRequestSchemas, deviceResponse } from './schemas.js';
import { createDevice, deleteDevice, getDevice, heartbeat, listDevices, toDeviceBody, updateDevice } from './service.js';

const tags = ['workspace devices'];

/** `/devices`: register, list, read, update, delete, heartbeat. */
export const deviceRoutes: FastifyPluginAsyncZod = async function deviceRoutes(app) {
  const limits = app.config.workspace;
  const { createDevice: createBody, updateDevice: updateBody, heartbeat: heartbeatBody } = deviceRequestSchemas(limits);
  const body = (device: Parameters<typeof toDeviceBody>[0]) => ({ device: toDeviceBody(device, limits.deviceOfflineAfterMs) });
  const read = { scopes: ['workspace:read'] } as const;
  const write = { scopes: ['workspace:write'] } as const;

  app.post(
    '/devices',
    { config: write, schema: { tags, body: createBody, response: { 201: deviceResponse, ...errorResponses('workspace', [400, 401, 403, 413, 429]) } } },
    async (request, reply) => {
      const { teamId, userId } = authOf(request);
      return reply.code(201).send(body(await createDevice(app.db.prisma, { teamId, userId }, request.body)));
    },
  );

  app.get(
    '/devices',
    { config: read, schema: { tags, querystring: deviceListQuery, response: { 200: deviceListResponse, ...errorResponses('workspace', [400, 401, 403, 429]) } } },
    async (request) => {
      const page = await listDevices(app.db.prisma, authOf(request).teamId, request.query, limits.deviceOfflineAfterMs);
      return { object: 'list' as const, data: page.items.map((d) => body(d).device), total_count: page.total };
    },
  );

  app.get(
    '/devices/:id',
    { config: read, schema: { tags, params: deviceParams, response: { 200: deviceResponse, ...errorResponses('workspace', [401, 403, 404, 429]) } } },
    async (request) => body(await getDevice(app.db.prisma, authOf(request).teamId, request.params.id)),
  );

  app.patch(
    '/devices/:id',
    {
      config: write,
      schema: { tags, params: deviceParams, body: updateBody, response: { 200: deviceResponse, ...errorResponses('workspace', [400, 401, 403, 404, 413, 429]) } },
    },
    async (request) => body(await updateDevice(app.db.prisma, authOf(request).teamId, request.params.id, request.body)),
  );

  app.delete(
    '/devices/:id',
    { config: write, schema: { tags, params: deviceParams, response: { 204: noContent, ...errorResponses('workspace', [401, 403, 404, 429]) } } },
    async (request, reply) => {
      await deleteDevice(app.db.prisma, authOf(request).teamId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/devices/:id/heartbeat',
    {
      config: write,
      schema: { tags, params: deviceParams, body: heartbeatBody, response: { 200: deviceResponse, ...errorResponses('workspace', [400, 401, 403, 404, 429]) } },
    },
    async (request) => body(await heartbeat(app.db.prisma, authOf(request).teamId, request.params.id, request.body)),
  );
};
