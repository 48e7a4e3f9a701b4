/**
 * The body of `webhooks.deliver`: one attempt of one message, then its consequences in one transaction.
 *
 * - 2xx: the message succeeded; the subscription's failure run ends.
 * - 410 Gone: the receiver wants nothing more: the subscription is disabled, the message dead.
 * - anything else: the failure run starts (or continues). A run of `autoDisableAfterMs` (3 days) disables the
 *   subscription and appends `webhook.subscription_disabled` (the notifications module tells the workspace's owners
 *   and admins); otherwise the message waits for the next slot of the schedule
 *   (or the receiver's Retry-After) — thrown as `RetryAfterError` so the queue reschedules the same job — and is
 *   dead after the last one.
 *
 * The HTTP call happens outside any transaction; the attempt row, the message and the subscription change commit
 * together afterwards. A crash in between re-runs the attempt (at-least-once delivery, same `webhook-id`, which is
 * what receivers deduplicate on).
 */
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { systemActor } from '../../platform/auth/index.js';
import type { TypedEventPayload } from '../../platform/events/index.js';
import { RetryAfterError, type JobContext } from '../../platform/queue/index.js';
import { judgeAttempt, parseRetryAfter } from './delivery-schedule.js';
import { sendWebhookAttempt } from './delivery-http.js';
import {
  findMessage,
  insertAttempt,
  markMessageDead,
  recordAttemptResult,
  type Message,
} from './messages.repo.js';
import { buildWebhookHeaders } from './standard-webhooks.js';
import {
  clearSubscriptionFailing,
  disableSubscriptionRow,
  findSubscription,
  markSubscriptionFailing,
  readAllowedHosts,
  type Subscription,
} from './subscriptions.repo.js';
import { openSigningSecrets } from './subscriptions.service.js';
import type { WebhooksContext } from './webhooks.context.js';
import type { DeliverPayload } from './webhooks.jobs.js';

export const USER_AGENT = 'Switchboard-Webhooks/1';

export async function deliverMessage(
  ctx: WebhooksContext,
  p: DeliverPayload,
  job: JobContext,
): Promise<void> {
  const message = await findMessage(ctx.db, p.messageId, { workspaceId: p.workspaceId });
  // Gone with its subscription, or finished by an earlier run of a duplicate job.
  if (!message || message.status !== 'pending') return;
  const sub = await findSubscription(ctx.db, p.workspaceId, message.subscriptionId);
  if (!sub || !sub.enabled) {
    await markMessageDead(ctx.db, message.id, 'subscription disabled', ctx.clock.now());
    ctx.metrics.finished('dead');
    return;
  }

  const now = ctx.clock.now();
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    ...buildWebhookHeaders(
      openSigningSecrets(ctx, sub, now),
      message.id,
      Math.floor(now.getTime() / 1000),
      message.body,
    ),
  };
  const result = await sendWebhookAttempt(ctx.agents, {
    url: sub.url,
    body: message.body,
    headers,
    allowedHosts: await readAllowedHosts(ctx.db, sub.workspaceId),
    timeoutMs: ctx.options.deliveryTimeoutMs,
    signal: job.signal,
  });
  const verdict = judgeAttempt(
    job.attempt,
    result.status,
    parseRetryAfter(result.retryAfter ?? undefined, ctx.clock.nowMs()),
    ctx.options.retryScheduleMs,
  );
  const outcome = verdict.kind === 'gone' ? 'gone' : result.outcome;
  ctx.metrics.attempt(outcome, result.durationMs / 1000);

  const retryInMs = await inTransaction(ctx.db, async (tx) => {
    const finishedAt = ctx.clock.now();
    await insertAttempt(tx, {
      messageId: message.id,
      workspaceId: sub.workspaceId,
      subscriptionId: sub.id,
      attempt: message.attempts + 1,
      url: sub.url,
      requestHeaders: headers,
      responseStatus: result.status,
      responseBody: result.responseBody,
      error: result.error,
      outcome,
      durationMs: result.durationMs,
      startedAt: now,
    });
    const base = { lastStatus: result.status, lastError: result.error };
    const finish = async (status: 'succeeded' | 'dead', error: string | null = result.error) => {
      await recordAttemptResult(tx, message, {
        ...base,
        lastError: error,
        status,
        nextAttemptAt: null,
        finishedAt,
      });
      ctx.metrics.finished(status);
      return null;
    };
    if (verdict.kind === 'succeeded') {
      await clearSubscriptionFailing(tx, sub.id);
      return finish('succeeded', null);
    }
    if (verdict.kind === 'gone') {
      await disableSubscription(ctx, tx, sub, 'receiver_gone', 'the receiver answered 410 Gone');
      return finish('dead', 'receiver answered 410 Gone; subscription disabled');
    }
    const failingSince = (await markSubscriptionFailing(tx, sub.id, finishedAt)) ?? finishedAt;
    if (finishedAt.getTime() - failingSince.getTime() >= ctx.options.autoDisableAfterMs) {
      const days = Math.round(ctx.options.autoDisableAfterMs / 86_400_000);
      await disableSubscription(ctx, tx, sub, 'failing', `every delivery failed for ${days} days`);
      return finish('dead');
    }
    if (verdict.kind === 'exhausted') return finish('dead');
    await recordAttemptResult(tx, message, {
      ...base,
      status: 'pending',
      nextAttemptAt: new Date(finishedAt.getTime() + verdict.delayMs),
      finishedAt: null,
    });
    return verdict.delayMs;
  });
  if (retryInMs !== null) {
    throw new RetryAfterError(
      retryInMs,
      `webhook attempt ${job.attempt} failed (${result.status ?? result.outcome}); retry in ${retryInMs} ms`,
    );
  }
}

/**
 * Disables a subscription (410 Gone or 3 days of failures) and appends `webhook.subscription_disabled` in the same
 * transaction; the notifications module's consumer turns that event into in-app notifications and emails for the
 * workspace's owners and admins. Its pending messages die when their jobs run.
 */
async function disableSubscription(
  ctx: WebhooksContext,
  tx: Executor,
  sub: Subscription,
  cause: TypedEventPayload<'webhook.subscription_disabled'>['cause'],
  reason: string,
): Promise<void> {
  // Parallel messages can fail at the same moment: only the one that flips `enabled` reports it.
  if (!(await disableSubscriptionRow(tx, sub.id, reason, ctx.clock.now()))) return;
  await ctx.events.append(tx, {
    workspaceId: sub.workspaceId,
    type: 'webhook.subscription_disabled',
    subject: `webhook_subscription:${sub.id}`,
    payload: {
      subscriptionId: sub.id,
      url: sub.url,
      cause,
      reason,
    } satisfies TypedEventPayload<'webhook.subscription_disabled'>,
    actor: systemActor(sub.workspaceId),
  });
  ctx.logger.warn(
    { subscription_id: sub.id, workspace_id: sub.workspaceId, reason },
    'webhook subscription disabled',
  );
}

export type { Message };
