/**
 * `/api/v1/webhooks/subscriptions` and `/api/v1/webhooks/settings`: thin endpoints over the subscription use cases.
 * The signing secret is in the response of create and rotate-secret only.
 */
import { z } from 'zod';
import { decodeCursor, encodeCursor, page, pageQuery, type HttpApp } from '../../platform/http/index.js';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  getWebhookSettings,
  pageSubscriptions,
  rotateSubscriptionSecret,
  setWebhookSettings,
  updateSubscription,
} from './subscriptions.service.js';
import { pingSubscription } from './messages.service.js';
import {
  cursorByTime,
  messageSchema,
  subscriptionSchema,
  toMessageBody,
  toSubscriptionBody,
} from './webhooks.http.js';
import type { WebhooksContext } from './webhooks.context.js';
import { SUBSCRIPTION_ORDERINGS } from './webhooks.tables.js';

const TAGS = ['webhooks'];
const idParams = z.object({ id: z.uuid() });

const fields = {
  url: z
    .string()
    .min(8)
    .max(2000)
    .describe('http(s) URL; private addresses are refused unless the host is allowed'),
  description: z.string().max(1000),
  eventTypes: z
    .array(z.string().min(1).max(200))
    .max(50)
    .describe('Exact types ("content.published") and prefixes ("content.*"); empty = every event'),
  payloadFilter: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('{ "path.to.field": value | [values] }: every entry must match the event payload'),
  enabled: z.boolean(),
  ordering: z
    .enum(SUBSCRIPTION_ORDERINGS)
    .describe('ordered (default): one at a time in event order; parallel'),
};

const withSecret = subscriptionSchema.extend({
  secret: z.string().describe('whsec_… signing secret: shown only now'),
});

export function registerSubscriptionRoutes(app: HttpApp, ctx: WebhooksContext): void {
  app.post(
    '/api/v1/webhooks/subscriptions',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Create a subscription; the whsec_ secret is returned once',
        description:
          'Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: v1,<base64>). ' +
          'A URL resolving to a loopback, private or link-local address gets 422 WEBHOOK_TARGET_REFUSED unless ' +
          'its host is in the workspace allow-list (PUT /api/v1/webhooks/settings).',
        body: z
          .object({
            url: fields.url,
            description: fields.description.optional(),
            eventTypes: fields.eventTypes.optional(),
            payloadFilter: fields.payloadFilter.optional(),
            enabled: fields.enabled.optional(),
            ordering: fields.ordering.optional(),
          })
          .strict(),
        response: { 201: withSecret },
      },
    },
    async (request, reply) => {
      const { subscription, secret } = await createSubscription(ctx, request.actor, request.body);
      return reply.code(201).send({ ...toSubscriptionBody(subscription, ctx.clock.now()), secret });
    },
  );

  app.get(
    '/api/v1/webhooks/subscriptions',
    {
      config: { action: 'webhooks.read' },
      schema: {
        tags: TAGS,
        summary: 'List subscriptions',
        querystring: pageQuery,
        response: { 200: page(subscriptionSchema) },
      },
    },
    async (request) => {
      const after = decodeCursor(request.query.cursor, cursorByTime);
      const r = await pageSubscriptions(ctx, request.actor, {
        after: after ? { createdAt: new Date(after.t), id: after.id } : undefined,
        limit: request.query.limit,
      });
      const now = ctx.clock.now();
      return {
        items: r.items.map((s) => toSubscriptionBody(s, now)),
        nextCursor: r.next ? encodeCursor({ t: r.next.createdAt.toISOString(), id: r.next.id }) : null,
      };
    },
  );

  app.get(
    '/api/v1/webhooks/subscriptions/:id',
    {
      config: { action: 'webhooks.read' },
      schema: {
        tags: TAGS,
        summary: 'Get a subscription',
        params: idParams,
        response: { 200: subscriptionSchema },
      },
    },
    async (request) =>
      toSubscriptionBody(await getSubscription(ctx, request.actor, request.params.id), ctx.clock.now()),
  );

  app.patch(
    '/api/v1/webhooks/subscriptions/:id',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Change a subscription (enabled: true re-enables an auto-disabled one)',
        params: idParams,
        body: z
          .object({
            url: fields.url.optional(),
            description: fields.description.optional(),
            eventTypes: fields.eventTypes.optional(),
            payloadFilter: fields.payloadFilter.optional(),
            enabled: fields.enabled.optional(),
            ordering: fields.ordering.optional(),
          })
          .strict(),
        response: { 200: subscriptionSchema },
      },
    },
    async (request) =>
      toSubscriptionBody(
        await updateSubscription(ctx, request.actor, request.params.id, request.body),
        ctx.clock.now(),
      ),
  );

  app.delete(
    '/api/v1/webhooks/subscriptions/:id',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Delete a subscription and its message log',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteSubscription(ctx, request.actor, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/webhooks/subscriptions/:id/rotate-secret',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Rotate the signing secret; the old one keeps signing for 24 h (two v1 signatures)',
        params: idParams,
        response: { 200: withSecret },
      },
    },
    async (request) => {
      const r = await rotateSubscriptionSecret(ctx, request.actor, request.params.id);
      return { ...toSubscriptionBody(r.subscription, ctx.clock.now()), secret: r.secret };
    },
  );

  app.post(
    '/api/v1/webhooks/subscriptions/:id/ping',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Send a webhook.ping test message',
        params: idParams,
        response: { 202: messageSchema },
      },
    },
    async (request, reply) => {
      const m = await pingSubscription(ctx, request.actor, request.params.id);
      return reply.code(202).send(toMessageBody(m));
    },
  );

  const settings = z.object({
    allowedHosts: z
      .array(z.string().min(1).max(253))
      .max(100)
      .describe('Hosts (names or IPs) webhooks may reach even on private/loopback addresses'),
  });
  app.get(
    '/api/v1/webhooks/settings',
    {
      config: { action: 'webhooks.read' },
      schema: { tags: TAGS, summary: 'Workspace webhook settings', response: { 200: settings } },
    },
    async (request) => getWebhookSettings(ctx, request.actor),
  );
  app.put(
    '/api/v1/webhooks/settings',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Set the SSRF allow-list',
        body: settings.strict(),
        response: { 200: settings },
      },
    },
    async (request) => setWebhookSettings(ctx, request.actor, request.body),
  );
}
