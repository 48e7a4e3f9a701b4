/** `/api/v1/webhooks/messages`: the outbound message log with attempts, replay, and the thin-event payload URL. */
import { z } from 'zod';
import { decodeCursor, encodeCursor, page, pageQuery, type HttpApp } from '../../platform/http/index.js';
import { ValidationError } from '../../platform/errors/index.js';
import {
  getMessageWithAttempts,
  pageMessages,
  readThinPayload,
  replayMessages,
  type ReplayRequest,
} from './messages.service.js';
import { attemptSchema, cursorByTime, messageSchema, toAttemptBody, toMessageBody } from './webhooks.http.js';
import type { WebhooksContext } from './webhooks.context.js';
import { MESSAGE_STATUSES } from './webhooks.tables.js';

const TAGS = ['webhooks'];
const messageId = z.string().regex(/^msg_[0-9a-f]{32}$/, 'is not a message id');

export function registerMessageRoutes(app: HttpApp, ctx: WebhooksContext): void {
  app.get(
    '/api/v1/webhooks/messages',
    {
      config: { action: 'webhooks.read' },
      schema: {
        tags: TAGS,
        summary: 'Outbound message log, newest first (status=dead: the dead letters)',
        querystring: pageQuery.extend({
          subscriptionId: z.uuid().optional(),
          status: z.enum(MESSAGE_STATUSES).optional(),
        }),
        response: { 200: page(messageSchema) },
      },
    },
    async (request) => {
      const { cursor, limit, subscriptionId, status } = request.query;
      const before = decodeCursor(cursor, cursorByTime);
      const r = await pageMessages(ctx, request.actor, {
        subscriptionId,
        status,
        before: before ? { createdAt: new Date(before.t), id: before.id } : undefined,
        limit,
      });
      return {
        items: r.items.map(toMessageBody),
        nextCursor: r.next ? encodeCursor({ t: r.next.createdAt.toISOString(), id: r.next.id }) : null,
      };
    },
  );

  app.get(
    '/api/v1/webhooks/messages/:id',
    {
      config: { action: 'webhooks.read' },
      schema: {
        tags: TAGS,
        summary: 'A message with its body and every attempt',
        params: z.object({ id: messageId }),
        response: { 200: messageSchema.extend({ body: z.string(), attemptLog: z.array(attemptSchema) }) },
      },
    },
    async (request) => {
      const { message, attempts } = await getMessageWithAttempts(ctx, request.actor, request.params.id);
      return { ...toMessageBody(message), body: message.body, attemptLog: attempts.map(toAttemptBody) };
    },
  );

  app.post(
    '/api/v1/webhooks/replay',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags: TAGS,
        summary: 'Replay one message, all dead messages of a subscription, or everything since a time',
        description:
          'Exactly one of: { messageId } | { subscriptionId, dead: true } | { since, subscriptionId? }. ' +
          'Replays keep the message id and body; pending messages are left alone; disabled subscriptions are skipped.',
        body: z
          .object({
            messageId: messageId.optional(),
            subscriptionId: z.uuid().optional(),
            dead: z.boolean().optional(),
            since: z.iso.datetime({ offset: true }).optional(),
          })
          .strict(),
        response: { 202: z.object({ replayed: z.array(z.string()), skipped: z.number().int() }) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      let req: ReplayRequest;
      if (b.messageId && !b.dead && !b.since && !b.subscriptionId)
        req = { kind: 'message', messageId: b.messageId };
      else if (b.dead && b.subscriptionId && !b.since && !b.messageId)
        req = { kind: 'dead', subscriptionId: b.subscriptionId };
      else if (b.since && !b.dead && !b.messageId)
        req = { kind: 'since', since: new Date(b.since), subscriptionId: b.subscriptionId };
      else
        throw new ValidationError(
          'Send exactly one of { messageId }, { subscriptionId, dead: true } or { since, subscriptionId? }',
        );
      return reply.code(202).send(await replayMessages(ctx, request.actor, req));
    },
  );

  app.get(
    '/api/v1/webhooks/messages/:id/payload',
    {
      // The receiver of a thin event has no Switchboard account: the token from payloadUrl authorizes it.
      config: { public: true },
      schema: {
        tags: TAGS,
        summary: 'Full payload of a thin event (payloadUrl); authorized by its token',
        params: z.object({ id: messageId }),
        querystring: z.object({ token: z.string().min(10).max(200) }),
      },
    },
    async (request, reply) => {
      const body = await readThinPayload(ctx, request.params.id, request.query.token);
      return reply.type('application/json').send(body);
    },
  );
}
