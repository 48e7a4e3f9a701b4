/**
 * Webhook retention: the body of the hourly `webhooks.prune` job (cron `webhooks.prune`).
 *
 * Deletes finished history older than the retention (`SWITCHBOARD_WEBHOOK_RETENTION_DAYS`, default 30):
 * - inbound requests `processed` or `failed` (the inbound dead letters) whose last processing is older than the
 *   retention — a failed request therefore stays reprocessable for the whole retention after it failed — and that
 *   are older than the replay-protection window (`inboundDedupeWindowMs`, 7 days) whatever the retention, because
 *   their rows are what answers a sender's retry `duplicate`;
 * - outbound messages `succeeded` or `dead` that finished before the retention, with their attempts.
 *
 * Never deleted: inbound requests still `received` (their job has not run), pending messages (waiting for a retry or
 * replayed). Each batch is one short statement of at most `pruneBatchSize` rows; the loop stops on a partial batch,
 * or when the job is asked to stop (shutdown) — the next hour continues.
 */
import type { WebhooksContext } from './webhooks.context.js';
import { deleteFinishedInbound, deleteFinishedMessages } from './retention.repo.js';

export interface PruneResult {
  inbound: number;
  messages: number;
}

export async function pruneWebhookHistory(
  ctx: WebhooksContext,
  opts: { signal?: AbortSignal } = {},
): Promise<PruneResult> {
  const nowMs = ctx.clock.nowMs();
  const limit = ctx.options.pruneBatchSize;
  const finishedBefore = new Date(nowMs - ctx.options.retentionMs);
  const receivedBefore = new Date(
    nowMs - Math.max(ctx.options.retentionMs, ctx.options.inboundDedupeWindowMs),
  );
  const result: PruneResult = { inbound: 0, messages: 0 };
  const stop = () => opts.signal?.aborted === true;

  for (;;) {
    const n = await deleteFinishedInbound(ctx.db, { finishedBefore, receivedBefore, limit });
    result.inbound += n;
    if (n < limit || stop()) break;
  }
  for (;;) {
    if (stop()) break;
    const n = await deleteFinishedMessages(ctx.db, { finishedBefore, limit });
    result.messages += n;
    if (n < limit) break;
  }
  ctx.metrics.pruned('inbound', result.inbound);
  ctx.metrics.pruned('message', result.messages);
  return result;
}
