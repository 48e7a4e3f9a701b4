/**
 * The `webhooks` event consumer: every event of a workspace becomes one message (+ delivery job) per enabled
 * subscription whose filters match, inside the consumer's transaction — so a message exists if and only if the
 * cursor moved past its event (exactly once), and messages are created in event order (which the per-subscription
 * lane then preserves on the wire).
 *
 * Subscriptions may name any event type, custom integration events included, so this consumer wants every type.
 * Consumer definitions only take `area.*` prefixes; the all-types filter (the empty prefix, which
 * `matchesTypeFilter` and `listEvents` both read as "everything") is set after validation.
 */
import { defineEventConsumer, type EventConsumer } from '../../platform/events/index.js';
import { fanOutEvent } from './messages.service.js';
import type { WebhooksContext } from './webhooks.context.js';

export const WEBHOOKS_CONSUMER = 'webhooks';

export function defineWebhooksConsumer(ctx: WebhooksContext): EventConsumer {
  const consumer = defineEventConsumer({
    name: WEBHOOKS_CONSUMER,
    types: ['webhook.*'],
    handle: async (tx, event) => {
      await fanOutEvent(ctx, tx, event);
    },
  });
  return { ...consumer, filter: { exact: [], prefixes: [''] } };
}
