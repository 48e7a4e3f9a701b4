/**
 * `/api/v1/deliveries` (the ledger: list, show with attempts, replay, bulk replay, resolve) and the content-side
 * endpoints `/api/v1/content/{id}/destinations` and `/api/v1/content/{id}/deliveries`. Thin: parse, call, shape.
 */
import { z } from 'zod';
import { decodeCursor, encodeCursor, page, pageQuery, type HttpApp } from '../../platform/http/index.js';
import type { DeliveriesContext } from './deliveries.context.js';
import { DELIVERY_STATUSES, RESOLVE_OUTCOMES } from './deliveries.machine.js';
import {
  pageDeliveries,
  replayDelivery,
  replayFailedDeliveries,
  resolveDelivery,
  showDelivery,
} from './deliveries.service.js';
import {
  DESTINATION_ACTIONS,
  getDestinations,
  listContentResults,
  setDestinations,
} from './destinations.service.js';
import { attemptSchema, deliverySchema, toAttemptBody, toDeliveryBody } from './deliveries.http.js';

const TAGS = ['deliveries'];
const idParams = z.object({ id: z.uuid() });
const cursorSchema = z.object({ createdAt: z.string(), id: z.uuid() });
const destinationSchema = z.object({
  connectionId: z.uuid(),
  action: z.enum(DESTINATION_ACTIONS),
});

export function registerDeliveryRoutes(app: HttpApp, ctx: DeliveriesContext): void {
  app.get(
    '/api/v1/deliveries',
    {
      config: { action: 'deliveries.read' },
      schema: {
        tags: TAGS,
        summary: 'List deliveries, newest first (filter by status, connection, content, since)',
        querystring: pageQuery.extend({
          status: z.enum(DELIVERY_STATUSES).optional(),
          connectionId: z.uuid().optional(),
          contentId: z.uuid().optional(),
          since: z.iso.datetime({ offset: true }).optional().describe('Created at or after (ISO 8601)'),
        }),
        response: { 200: page(deliverySchema) },
      },
    },
    async (request) => {
      const { cursor, limit, status, connectionId, contentId, since } = request.query;
      const r = await pageDeliveries(ctx, request.actor, {
        status,
        connectionId,
        contentId,
        since: since ? new Date(since) : undefined,
        before: decodeCursor(cursor, cursorSchema),
        limit,
      });
      return { items: r.items.map(toDeliveryBody), nextCursor: r.next ? encodeCursor(r.next) : null };
    },
  );

  app.get(
    '/api/v1/deliveries/:id',
    {
      config: { action: 'deliveries.read' },
      schema: {
        tags: TAGS,
        summary: 'A delivery with every attempt (classified errors, durations): the evidence for decisions',
        params: idParams,
        response: { 200: deliverySchema.extend({ attempts: z.array(attemptSchema) }) },
      },
    },
    async (request) => {
      const r = await showDelivery(ctx, request.actor, request.params.id);
      return { ...toDeliveryBody(r.delivery), attempts: r.attempts.map(toAttemptBody) };
    },
  );

  app.post(
    '/api/v1/deliveries/:id/replay',
    {
      config: { action: 'deliveries.manage' },
      schema: {
        tags: TAGS,
        summary: 'Replay a failed delivery (dead letter): a new attempt, history kept (409 unless failed)',
        params: idParams,
        response: { 202: deliverySchema },
      },
    },
    async (request, reply) => {
      const d = await replayDelivery(ctx, request.actor, request.params.id);
      return reply.code(202).send(toDeliveryBody(d));
    },
  );

  app.post(
    '/api/v1/deliveries/replay',
    {
      config: { action: 'deliveries.manage' },
      schema: {
        tags: TAGS,
        summary: 'Replay every failed delivery, optionally of one connection and since a time',
        body: z
          .object({
            connectionId: z.uuid().optional(),
            since: z.iso.datetime({ offset: true }).optional(),
            limit: z.number().int().min(1).max(10_000).optional(),
          })
          .strict(),
        response: { 202: z.object({ replayed: z.array(z.string()), count: z.number().int() }) },
      },
    },
    async (request, reply) => {
      const { connectionId, since, limit } = request.body;
      const r = await replayFailedDeliveries(ctx, request.actor, {
        connectionId,
        since: since ? new Date(since) : undefined,
        limit,
      });
      return reply.code(202).send({ replayed: r.replayed, count: r.replayed.length });
    },
  );

  app.post(
    '/api/v1/deliveries/:id/resolve',
    {
      config: { action: 'deliveries.manage' },
      schema: {
        tags: TAGS,
        summary: 'Decide an unknown delivery: succeeded (with the external id), retry, or failed',
        description:
          'For vendors that cannot be asked whether an effect happened. Look at the attempts ' +
          '(GET /api/v1/deliveries/{id}) and the vendor account, then decide; the note is audited.',
        params: idParams,
        body: z
          .object({
            outcome: z.enum(RESOLVE_OUTCOMES),
            externalId: z.string().min(1).max(500).optional(),
            externalUrl: z.url().max(2000).optional(),
            note: z.string().trim().min(1).max(2000),
          })
          .strict(),
        response: { 200: deliverySchema },
      },
    },
    async (request) =>
      toDeliveryBody(await resolveDelivery(ctx, request.actor, request.params.id, request.body)),
  );

  app.put(
    '/api/v1/content/:id/destinations',
    {
      config: { action: 'deliveries.destinations' },
      schema: {
        tags: TAGS,
        summary: 'Set where the content is delivered when published (replaces the list)',
        params: idParams,
        body: z.object({ destinations: z.array(destinationSchema).max(50) }).strict(),
        response: { 200: z.object({ destinations: z.array(destinationSchema) }) },
      },
    },
    async (request) => {
      const list = await setDestinations(ctx, request.actor, request.params.id, request.body.destinations);
      return { destinations: list.map(({ connectionId, action }) => ({ connectionId, action })) };
    },
  );

  app.get(
    '/api/v1/content/:id/destinations',
    {
      config: { action: 'deliveries.read' },
      schema: {
        tags: TAGS,
        summary: 'Where the content is delivered when published',
        params: idParams,
        response: { 200: z.object({ destinations: z.array(destinationSchema) }) },
      },
    },
    async (request) => {
      const list = await getDestinations(ctx, request.actor, request.params.id);
      return { destinations: list.map(({ connectionId, action }) => ({ connectionId, action })) };
    },
  );

  app.get(
    '/api/v1/content/:id/deliveries',
    {
      config: { action: 'deliveries.read' },
      schema: {
        tags: TAGS,
        summary: 'Per-destination results of the content (status, external URL) and its deliveries',
        params: idParams,
        response: {
          200: z.object({
            destinations: z.array(
              destinationSchema.extend({
                status: z.string().nullable().describe('Of the newest delivery to this destination'),
                externalId: z.string().nullable(),
                externalUrl: z.string().nullable().describe('Where the content is live, if anywhere'),
                latest: deliverySchema.nullable(),
              }),
            ),
            deliveries: z.array(deliverySchema),
          }),
        },
      },
    },
    async (request) => {
      const r = await listContentResults(ctx, request.actor, request.params.id);
      return {
        destinations: r.destinations.map((d) => ({
          connectionId: d.connectionId,
          action: d.action as (typeof DESTINATION_ACTIONS)[number],
          status: d.latest?.status ?? null,
          externalId: d.externalId,
          externalUrl: d.externalUrl,
          latest: d.latest ? toDeliveryBody(d.latest) : null,
        })),
        deliveries: r.deliveries.map(toDeliveryBody),
      };
    },
  );
}
