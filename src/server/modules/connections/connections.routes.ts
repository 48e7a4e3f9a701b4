/**
 * `/api/v1/connections`, `/api/v1/connectors` and the OAuth endpoints: thin endpoints over the connection use cases.
 * Credentials are accepted on create and update and never returned.
 */
import { z } from 'zod';
import type { HttpApp } from '../../platform/http/index.js';
import type { ConnectionsContext } from './connections.context.js';
import {
  connectionSchema,
  connectorSchema,
  healthSchema,
  rateLimitSchema,
  readOptionalIfMatch,
  testResultSchema,
  toConnectionBody,
  toConnectorBody,
  toHealthBody,
  toTestBody,
} from './connections.http.js';
import { CONNECTION_STATUSES } from './connections.repo.js';
import {
  createConnection,
  deleteConnection,
  getConnection,
  getConnectionHealth,
  listWorkspaceConnections,
  testConnection,
  updateConnection,
} from './connections.service.js';
import { completeOAuth, startOAuth } from './connection-oauth.service.js';

const TAGS = ['connections'];
const idParams = z.object({ id: z.uuid() });
const settings = z.record(z.string(), z.unknown());
const baseUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .describe("Overrides the vendor's production URL (sandboxes, regional hosts)");

export function registerConnectionRoutes(app: HttpApp, ctx: ConnectionsContext): void {
  app.get(
    '/api/v1/connectors',
    {
      config: { action: 'connections.read' },
      schema: {
        tags: TAGS,
        summary:
          'The connectors of this build: manifests with the JSON Schemas of their config and credentials',
        response: { 200: z.object({ items: z.array(connectorSchema) }) },
      },
    },
    async () => ({ items: Object.values(ctx.connectors).map(toConnectorBody) }),
  );

  app.post(
    '/api/v1/connections',
    {
      config: { action: 'connections.manage' },
      schema: {
        tags: TAGS,
        summary:
          'Create a connection (config and credentials validated by the connector; credentials write-only)',
        body: z
          .object({
            vendor: z.string().min(1).max(40),
            name: z.string().trim().min(1).max(200),
            baseUrl: baseUrl.optional(),
            config: settings.optional(),
            credentials: settings.optional(),
            sandbox: z.boolean().optional(),
            rateLimit: rateLimitSchema.nullable().optional(),
          })
          .strict(),
        response: { 201: connectionSchema },
      },
    },
    async (request, reply) => {
      const c = await createConnection(ctx, request.actor, request.body);
      return reply.code(201).send(toConnectionBody(c));
    },
  );

  app.get(
    '/api/v1/connections',
    {
      config: { action: 'connections.read' },
      schema: {
        tags: TAGS,
        summary: 'List connections with their health',
        querystring: z.object({ vendor: z.string().max(40).optional() }),
        response: { 200: z.object({ items: z.array(connectionSchema) }) },
      },
    },
    async (request) => {
      const items = await listWorkspaceConnections(ctx, request.actor, request.query);
      return { items: items.map((c) => toConnectionBody(c)) };
    },
  );

  app.get(
    '/api/v1/connections/:id',
    {
      config: { action: 'connections.read' },
      schema: {
        tags: TAGS,
        summary: 'Get a connection, with its connector manifest and form schemas',
        params: idParams,
        response: { 200: connectionSchema },
      },
    },
    async (request) => {
      const c = await getConnection(ctx, request.actor, request.params.id);
      return toConnectionBody(c, ctx.connectors[c.vendor]);
    },
  );

  app.patch(
    '/api/v1/connections/:id',
    {
      config: { action: 'connections.manage' },
      schema: {
        tags: TAGS,
        summary: 'Change a connection (optional If-Match); new credentials replace the old ones whole',
        description:
          'Setting status to active (or sending new credentials to a connection that needs re-authorisation) ' +
          'resumes its paused deliveries.',
        params: idParams,
        body: z
          .object({
            name: z.string().trim().min(1).max(200).optional(),
            baseUrl: baseUrl.optional(),
            config: settings.optional(),
            credentials: settings.optional(),
            status: z.enum(CONNECTION_STATUSES).optional(),
            rateLimit: rateLimitSchema.nullable().optional(),
          })
          .strict(),
        response: { 200: connectionSchema },
      },
    },
    async (request) => {
      const c = await updateConnection(
        ctx,
        request.actor,
        request.params.id,
        request.body,
        readOptionalIfMatch(request),
      );
      return toConnectionBody(c);
    },
  );

  app.delete(
    '/api/v1/connections/:id',
    {
      config: { action: 'connections.manage' },
      schema: {
        tags: TAGS,
        summary: 'Delete a connection without deliveries (else 409 CONNECTION_IN_USE: disable it instead)',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteConnection(ctx, request.actor, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/connections/:id/test',
    {
      config: { action: 'connections.test' },
      schema: {
        tags: TAGS,
        summary:
          "Run the connector's testConnection (a vendor failure is ok: false with the classified error)",
        params: idParams,
        response: { 200: testResultSchema },
      },
    },
    async (request) => toTestBody(await testConnection(ctx, request.actor, request.params.id)),
  );

  app.get(
    '/api/v1/connections/:id/health',
    {
      config: { action: 'connections.read' },
      schema: {
        tags: TAGS,
        summary: 'Breaker state, last success, last error, token expiry and rate-limit budget left',
        params: idParams,
        response: { 200: healthSchema },
      },
    },
    async (request) => toHealthBody(await getConnectionHealth(ctx, request.actor, request.params.id)),
  );

  app.get(
    '/api/v1/connections/:id/oauth/start',
    {
      config: { action: 'connections.manage' },
      schema: {
        tags: TAGS,
        summary:
          "Start OAuth (PKCE): redirects to the vendor's authorize page (?format=json returns the URL)",
        params: idParams,
        querystring: z.object({ format: z.enum(['redirect', 'json']).default('redirect') }),
        response: {
          200: z.object({ authorizeUrl: z.string(), expiresAt: z.string() }),
          302: z.null(),
        },
      },
    },
    async (request, reply) => {
      const r = await startOAuth(ctx, request.actor, request.params.id);
      if (request.query.format === 'json') {
        return { authorizeUrl: r.authorizeUrl, expiresAt: r.expiresAt.toISOString() };
      }
      return reply.redirect(r.authorizeUrl, 302);
    },
  );

  app.get(
    '/api/v1/oauth/callback',
    {
      // The vendor redirects the browser here; the single-use `state` (not a session) authorises the request.
      config: { public: true },
      schema: {
        tags: TAGS,
        summary:
          'OAuth callback: checks state, exchanges the code (with the PKCE verifier), stores tokens sealed',
        querystring: z.object({
          state: z.string().max(200).optional(),
          code: z.string().max(2000).optional(),
          error: z.string().max(200).optional(),
          error_description: z.string().max(1000).optional(),
        }),
        response: {
          200: z.object({
            connectionId: z.string(),
            status: z.enum(CONNECTION_STATUSES),
            message: z.string(),
          }),
        },
      },
    },
    async (request) => {
      const { connection } = await completeOAuth(ctx, request.query);
      return {
        connectionId: connection.id,
        status: connection.status,
        message: `Connection ${connection.name} is authorised; you can close this window.`,
      };
    },
  );
}
