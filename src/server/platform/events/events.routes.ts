/**
 * Events over HTTP: a paged feed, a live Server-Sent Events stream, and custom events from integrations.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../auth/actor.js';
import { authorize } from '../auth/policy.js';
import type { Db, Executor } from '../db/index.js';
import { UnauthenticatedError, ValidationError } from '../errors/index.js';
import type { HttpApp } from '../http/index.js';
import { decodeCursor, encodeCursor, page } from '../http/index.js';
import type { Logger } from '../logger.js';
import type { EventBus } from './event-bus.js';
import { followEvents } from './event-feed.js';
import { EVENT_TYPE_PATTERN, parseTypeFilter } from './event-types.js';
import { readEventHead, type AppendEventInput, type DomainEvent } from './events.repo.js';
import type { EventMetrics } from './events.metrics.js';
import { appendCustomEvent, pageEvents } from './events.service.js';
import { formatSseEvent, serializeEvent, SSE_HEADERS, writeWithBackpressure } from './sse-writer.js';

export interface EventRoutesDeps {
  db: Db;
  bus: EventBus;
  metrics: EventMetrics;
  logger: Logger;
  append: (executor: Executor, input: AppendEventInput) => Promise<DomainEvent>;
  /** SSE comment sent on idle streams so proxies keep them open; default 15 s. */
  heartbeatMs?: number;
}

export const eventActorSchema = z.object({
  kind: z.enum(['user', 'token', 'system']),
  userId: z.string().nullable(),
  tokenId: z.string().nullable(),
  origin: z.enum(['api', 'cli', 'job']),
});

export const eventSchema = z
  .object({
    id: z.string(),
    seq: z.number().int().describe('Position in the workspace event log; the resume cursor (SSE `id`)'),
    type: z.string(),
    subject: z.string(),
    payload: z.unknown(),
    actor: eventActorSchema,
    occurredAt: z.string(),
  })
  .describe('A domain event');

const cursorSchema = z.object({ after: z.number().int().min(0) });
const seqParam = z.coerce.number().int().min(0);

function actorOf(request: FastifyRequest): Actor {
  const actor = (request as FastifyRequest & { actor?: Actor }).actor;
  if (!actor) throw new UnauthenticatedError();
  return actor;
}

/** `Last-Event-ID` is the seq we sent as `id:`; anything else is a client bug worth a 400. */
function parseLastEventId(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) {
    throw new ValidationError(
      'Last-Event-ID must be the id of an event previously received from this stream',
      {
        fields: [{ location: 'headers', path: 'last-event-id', message: 'is not an event sequence number' }],
      },
    );
  }
  return Number(value.trim());
}

export function registerEventRoutes(app: HttpApp, deps: EventRoutesDeps): void {
  const streams = new Set<AbortController>();
  // Open streams would keep `app.close()` waiting forever: end them first (clients reconnect elsewhere and resume).
  app.addHook('preClose', async () => {
    for (const s of streams) s.abort();
  });

  app.get(
    '/api/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'List events of your workspace in sequence order',
        querystring: z.object({
          after: seqParam.optional().describe('Return events with seq greater than this'),
          cursor: z.string().max(512).optional().describe('nextCursor of a previous page (instead of after)'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          type: z
            .string()
            .max(2000)
            .optional()
            .describe('Comma-separated types or prefixes such as content.*'),
          subject: z.string().max(500).optional(),
        }),
        response: { 200: page(eventSchema) },
      },
      config: { action: 'events.read' },
    },
    async (request) => {
      const q = request.query;
      const after = decodeCursor(q.cursor, cursorSchema)?.after ?? q.after ?? 0;
      const result = await pageEvents(deps.db.kysely, actorOf(request), {
        after,
        limit: q.limit,
        types: parseTypeFilter(q.type),
        subject: q.subject,
      });
      return {
        items: result.items.map(serializeEvent),
        nextCursor: result.nextAfter === null ? null : encodeCursor({ after: result.nextAfter }),
      };
    },
  );

  app.post(
    '/api/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Append a custom event (integrations); built-in type prefixes are reserved',
        body: z.object({
          type: z
            .string()
            .max(200)
            .regex(EVENT_TYPE_PATTERN, 'must be dotted lower-case such as shop.order_paid'),
          subject: z.string().max(500).optional(),
          payload: z.record(z.string(), z.unknown()).optional(),
        }),
        response: { 201: eventSchema },
      },
      config: { action: 'events.write' },
    },
    async (request, reply) => {
      const event = await appendCustomEvent(deps.db.kysely, actorOf(request), request.body, deps.append);
      return reply.code(201).send(serializeEvent(event));
    },
  );

  app.get(
    '/api/v1/events/stream',
    {
      schema: {
        tags: ['events'],
        summary:
          'Live events as Server-Sent Events (text/event-stream); resumes from Last-Event-ID without gaps',
        description:
          'Frames: `id: <seq>`, `event: <type>`, `data: <event JSON>`. Reconnect with the Last-Event-ID header ' +
          '(browsers do this automatically) or `?after=<seq>`; without either the stream starts at the present.',
        querystring: z.object({
          types: z
            .string()
            .max(2000)
            .optional()
            .describe('Comma-separated types or prefixes such as content.*'),
          subject: z.string().max(500).optional(),
          after: seqParam.optional(),
        }),
      },
      config: { action: 'events.read', etag: false },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      authorize(actor, 'events.read', { workspaceId: actor.workspaceId });
      const types = parseTypeFilter(request.query.types);
      const after =
        parseLastEventId(request.headers['last-event-id']) ??
        request.query.after ??
        (await readEventHead(deps.db.kysely, actor.workspaceId));

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': request.id });
      const controller = new AbortController();
      const { signal } = controller;
      streams.add(controller);
      res.on('close', () => controller.abort());
      deps.metrics.sseClients.inc();
      const heartbeat = setInterval(() => {
        if (!res.writableNeedDrain && !res.writableEnded && !res.destroyed) res.write(': keep-alive\n\n');
      }, deps.heartbeatMs ?? 15_000);
      try {
        await writeWithBackpressure(res, 'retry: 2000\n: connected\n\n', signal);
        for await (const batch of followEvents({
          executor: deps.db.kysely,
          bus: deps.bus,
          workspaceId: actor.workspaceId,
          after,
          types,
          subject: request.query.subject,
          signal,
        })) {
          await writeWithBackpressure(res, batch.map(formatSseEvent).join(''), signal);
        }
      } catch (err) {
        // The client reconnects with Last-Event-ID and loses nothing; log for the operator.
        if (!signal.aborted) request.log.warn({ err }, 'event stream ended by an error');
      } finally {
        clearInterval(heartbeat);
        deps.metrics.sseClients.dec();
        streams.delete(controller);
        if (!res.writableEnded) res.end();
      }
    },
  );
}
