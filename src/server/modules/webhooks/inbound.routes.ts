/**
 * Inbound HTTP surface.
 *
 * - `POST /hooks/{connectionId}` and `POST /hooks/generic/{endpointId}` live in their own encapsulated plugin whose
 *   only content-type parser hands the handler the RAW body as a Buffer (any content type, up to the inbound
 *   limit → 413): verification must see the exact bytes, and nothing is parsed before it passes.
 *   Answers: 200 `{ id, status: "received" }`, 200 `{ status: "duplicate" }` (webhook id seen), 401 (verification
 *   failed), 404 (unknown source), 413 (too large).
 * - `GET /hooks/{connectionId}`: Mailchimp checks a webhook URL with a GET before using it (200, or 401 when the
 *   URL's `?secret=` does not match).
 * - `/api/v1/webhooks/inbound…`: the inbound log (status=failed: the inbound dead letters) and reprocess;
 *   `/api/v1/webhooks/endpoints…`: generic endpoints.
 */
import { z } from 'zod';
import { decodeCursor, encodeCursor, page, pageQuery, type HttpApp } from '../../platform/http/index.js';
import {
  checkInboundConnection,
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  getInbound,
  ingestInbound,
  listWorkspaceEndpoints,
  pageInbound,
  reprocessInbound,
  updateEndpoint,
} from './inbound.service.js';
import {
  cursorByTime,
  endpointSchema,
  inboundDetailSchema,
  inboundSchema,
  toEndpointBody,
  toInboundBody,
  toInboundDetailBody,
} from './webhooks.http.js';
import type { WebhooksContext } from './webhooks.context.js';
import { INBOUND_SCHEMES, INBOUND_STATUSES } from './webhooks.tables.js';

const TAGS = ['webhooks'];
const idParams = z.object({ id: z.uuid() });
const ingestResponse = z.object({ id: z.string().nullable(), status: z.enum(['received', 'duplicate']) });

export function registerInboundHookRoutes(app: HttpApp, ctx: WebhooksContext): void {
  void app.register(async (hooks: HttpApp) => {
    // Raw bodies only, in this plugin alone: the API keeps its JSON parser.
    hooks.removeAllContentTypeParsers();
    hooks.addHook('onError', async (_request, _reply, err) => {
      if ((err as { code?: unknown }).code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        ctx.metrics.inbound('too_large', 'unknown');
    });
    hooks.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: ctx.options.inboundBodyLimitBytes },
      (_req, body, done) => done(null, body),
    );
    const ingest =
      (kind: 'connection' | 'endpoint') =>
      async (request: {
        method: string;
        url: string;
        headers: Record<string, string | string[] | undefined>;
        body: unknown;
        params: { id: string };
      }) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const r = await ingestInbound(
          ctx,
          { kind, id: request.params.id },
          {
            method: request.method,
            url: request.url,
            headers: request.headers,
            body,
          },
        );
        return { id: r.id, status: r.duplicate ? ('duplicate' as const) : ('received' as const) };
      };
    hooks.post(
      '/hooks/generic/:id',
      {
        config: { public: true },
        bodyLimit: ctx.options.inboundBodyLimitBytes,
        schema: {
          tags: TAGS,
          summary: 'Receive a webhook on a generic endpoint (Standard Webhooks or HMAC in a header)',
          params: idParams,
          response: { 200: ingestResponse },
        },
      },
      ingest('endpoint'),
    );
    hooks.post(
      '/hooks/:id',
      {
        config: { public: true },
        bodyLimit: ctx.options.inboundBodyLimitBytes,
        schema: {
          tags: TAGS,
          summary: 'Receive a vendor webhook for a connection (HubSpot signature v3, Mailchimp ?secret=)',
          params: idParams,
          response: { 200: ingestResponse },
        },
      },
      ingest('connection'),
    );
    hooks.get(
      '/hooks/:id',
      {
        config: { public: true },
        schema: {
          tags: TAGS,
          summary:
            "URL check some vendors make before sending webhooks (Mailchimp's validator; its ?secret= is checked)",
          params: idParams,
          response: { 200: z.object({ ok: z.literal(true), vendor: z.string() }) },
        },
      },
      async (request) => ({
        ok: true as const,
        ...(await checkInboundConnection(ctx, request.params.id, {
          url: request.url,
          headers: request.headers,
        })),
      }),
    );
  });
}

export function registerInboundApiRoutes(app: HttpApp, ctx: WebhooksContext): void {
  app.get(
    '/api/v1/webhooks/inbound',
    {
      config: { action: 'webhooks.read' },
      schema: {
        tags: TAGS,
        summary: 'Inbound webhook log, newest first (status=failed: the inbound dead letters)',
        querystring: pageQuery.extend({
          status: z.enum(INBOUND_STATUSES).optional(),
          sourceId: z.uuid().optional(),
        }),
        response: { 200: page(inboundSchema) },
      },
    },
    async (request) => {
      const { cursor, limit, status, sourceId } = request.query;
      const before = decodeCursor(cursor, cursorByTime);
      const r = await pageInbound(ctx, request.actor, {
        status,
        sourceId,
        before: before ? { receivedAt: new Date(before.t), id: before.id } : undefined,
        limit,
      });
      return {
        items: r.items.map(toInboundBody),
        nextCursor: r.next ? encodeCursor({ t: r.next.receivedAt.toISOString(), id: r.next.id }) : null,
      };
    },
  );

  app.get(
    '/api/v1/webhooks/inbound/:id',
    {
      config: { action: 'webhooks.read' },
      schema: {
        tags: TAGS,
        summary: 'One inbound webhook with its raw body',
        params: idParams,
        response: { 200: inboundDetailSchema },
      },
    },
    async (request) => toInboundDetailBody(await getInbound(ctx, request.actor, request.params.id)),
  );

  app.post(
    '/api/v1/webhooks/inbound/:id/reprocess',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Process a failed inbound webhook again (after a fix)',
        params: idParams,
        response: { 202: z.object({ id: z.string(), status: z.literal('received') }) },
      },
    },
    async (request, reply) => {
      await reprocessInbound(ctx, request.actor, request.params.id);
      return reply.code(202).send({ id: request.params.id, status: 'received' as const });
    },
  );

  const endpointFields = {
    name: z.string().trim().min(1).max(200),
    secret: z
      .string()
      .min(8)
      .max(500)
      .describe('The sender’s secret; generated and returned once when omitted'),
    signatureHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,100}$/)
      .nullable(),
    signatureEncoding: z.enum(['hex', 'base64']).nullable(),
    signaturePrefix: z.string().max(50),
    eventType: z.string().max(200).describe('Event appended per payload (default webhook.received)'),
    enabled: z.boolean(),
  };
  const withSecret = endpointSchema.extend({ secret: z.string().describe('Shown only now') });

  app.post(
    '/api/v1/webhooks/endpoints',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Create a generic inbound endpoint (/hooks/generic/{id})',
        body: z
          .object({
            name: endpointFields.name,
            scheme: z.enum(INBOUND_SCHEMES),
            secret: endpointFields.secret.optional(),
            signatureHeader: endpointFields.signatureHeader.optional(),
            signatureEncoding: endpointFields.signatureEncoding.optional(),
            signaturePrefix: endpointFields.signaturePrefix.optional(),
            eventType: endpointFields.eventType.optional(),
            enabled: endpointFields.enabled.optional(),
          })
          .strict(),
        response: { 201: withSecret },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await createEndpoint(ctx, request.actor, request.body);
      return reply.code(201).send({ ...toEndpointBody(endpoint, ctx.publicUrl), secret });
    },
  );

  app.get(
    '/api/v1/webhooks/endpoints',
    {
      config: { action: 'webhooks.read' },
      schema: {
        tags: TAGS,
        summary: 'List generic inbound endpoints',
        response: { 200: z.object({ items: z.array(endpointSchema) }) },
      },
    },
    async (request) => ({
      items: (await listWorkspaceEndpoints(ctx, request.actor)).map((e) => toEndpointBody(e, ctx.publicUrl)),
    }),
  );

  app.get(
    '/api/v1/webhooks/endpoints/:id',
    {
      config: { action: 'webhooks.read' },
      schema: {
        tags: TAGS,
        summary: 'Get a generic inbound endpoint',
        params: idParams,
        response: { 200: endpointSchema },
      },
    },
    async (request) =>
      toEndpointBody(await getEndpoint(ctx, request.actor, request.params.id), ctx.publicUrl),
  );

  app.patch(
    '/api/v1/webhooks/endpoints/:id',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Change a generic inbound endpoint (a new secret replaces the old one at once)',
        params: idParams,
        body: z
          .object({
            name: endpointFields.name.optional(),
            secret: endpointFields.secret.optional(),
            signatureHeader: endpointFields.signatureHeader.optional(),
            signatureEncoding: endpointFields.signatureEncoding.optional(),
            signaturePrefix: endpointFields.signaturePrefix.optional(),
            eventType: endpointFields.eventType.optional(),
            enabled: endpointFields.enabled.optional(),
          })
          .strict(),
        response: { 200: endpointSchema },
      },
    },
    async (request) =>
      toEndpointBody(
        await updateEndpoint(ctx, request.actor, request.params.id, request.body),
        ctx.publicUrl,
      ),
  );

  app.delete(
    '/api/v1/webhooks/endpoints/:id',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Delete a generic inbound endpoint',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(ctx, request.actor, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
