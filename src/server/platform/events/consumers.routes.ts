/** `GET /api/v1/events/consumers`: how far each durable event consumer is behind the workspace's event log. */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../auth/actor.js';
import type { Db } from '../db/index.js';
import { UnauthenticatedError } from '../errors/index.js';
import type { HttpApp } from '../http/index.js';
import { listWorkspaceConsumerLag, type ConsumerLag } from './consumers/consumer-lag.js';
import type { EventConsumerRegistry } from './consumers/event-consumer.js';

export interface ConsumerRoutesDeps {
  db: Db;
  registry: EventConsumerRegistry;
}

export const consumerLagSchema = z
  .object({
    consumer: z.string(),
    workspaceId: z.string(),
    registered: z.boolean().describe('False for a cursor of a consumer this build no longer has'),
    types: z.array(z.string()).describe('Event types (or area.* prefixes) it handles'),
    cursor: z.number().int().describe('Last seq it has moved past'),
    head: z.number().int().describe('Last seq of the workspace log'),
    lag: z.number().int().describe('Events after the cursor (head − cursor)'),
    updatedAt: z.string().nullable().describe('When the cursor last moved; null if it never ran here'),
    lastError: z.string().nullable().describe('Last handler failure, cleared by the next success'),
  })
  .describe("A consumer's position in the workspace event log");

function toBody(l: ConsumerLag): z.infer<typeof consumerLagSchema> {
  return { ...l, updatedAt: l.updatedAt?.toISOString() ?? null };
}

function actorOf(request: FastifyRequest): Actor {
  const actor = (request as FastifyRequest & { actor?: Actor }).actor;
  if (!actor) throw new UnauthenticatedError();
  return actor;
}

export function registerConsumerRoutes(app: HttpApp, deps: ConsumerRoutesDeps): void {
  app.get(
    '/api/v1/events/consumers',
    {
      schema: {
        tags: ['events'],
        summary: 'Event consumers of your workspace: cursor, head, lag and last error of each',
        description:
          'Every registered consumer (at cursor 0 where it never ran) plus cursors left by consumers no longer ' +
          'registered. A consumer whose lag keeps growing with a lastError is failing and backing off.',
        response: {
          200: z.object({
            items: z.array(consumerLagSchema),
            totalLag: z.number().int().describe('Sum of the registered consumers’ lag'),
          }),
        },
      },
      config: { action: 'jobs.read' },
    },
    async (request) => {
      const items = await listWorkspaceConsumerLag(deps.db.kysely, deps.registry, actorOf(request));
      return {
        items: items.map(toBody),
        totalLag: items.filter((i) => i.registered).reduce((sum, i) => sum + i.lag, 0),
      };
    },
  );
}
