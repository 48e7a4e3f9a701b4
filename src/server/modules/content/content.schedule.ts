/**
 * Scheduled transitions: `publish_at` / `archive_at` become queue jobs that run at that time. A job carries the
 * time it was scheduled for; when it runs, it acts only if the item still has that exact time (a reschedule
 * enqueues a new job, and a state change clears `publish_at` — see `moveState`), so stale jobs are no-ops.
 */
import { z } from 'zod';
import { systemActor } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import type { Logger } from '../../platform/logger.js';
import { defineJobs, enqueue, type JobCatalog } from '../../platform/queue/index.js';
import type { ContentContext } from './content.context.js';
import { lockItem, type ContentItem } from './content.repo.js';
import { applyTransition } from './content-transitions.service.js';

export const SCHEDULED_ACTIONS = ['publish', 'archive'] as const;
export type ScheduledAction = (typeof SCHEDULED_ACTIONS)[number];

export const scheduledTransitionPayload = z.object({
  workspaceId: z.uuid(),
  contentId: z.uuid(),
  action: z.enum(SCHEDULED_ACTIONS),
  at: z.iso.datetime({ offset: true }),
});
export type ScheduledTransitionPayload = z.infer<typeof scheduledTransitionPayload>;

export type ScheduledOutcome = 'done' | 'stale' | 'missing' | 'refused';

export function defineContentJobs(run: (p: ScheduledTransitionPayload, logger: Logger) => Promise<unknown>) {
  return defineJobs({
    'content.scheduled_transition': {
      payload: scheduledTransitionPayload,
      leaseMs: 60_000,
      retry: { maxAttempts: 5, baseMs: 5_000, maxMs: 5 * 60_000 },
      // One item's scheduled jobs run in order, never side by side.
      orderingKey: (p) => `content:${p.contentId}`,
      handler: async (payload, ctx) => {
        await run(payload, ctx.logger);
      },
    },
  });
}

/** Enqueues jobs for the schedule times that changed, in the caller's transaction. */
export async function enqueueSchedules(
  ctx: ContentContext,
  tx: Executor,
  item: ContentItem,
  changed: { publish: boolean; archive: boolean },
): Promise<void> {
  const todo: [ScheduledAction, Date | null][] = [
    ['publish', changed.publish ? item.publishAt : null],
    ['archive', changed.archive ? item.archiveAt : null],
  ];
  for (const [action, at] of todo) {
    if (at === null) continue;
    await enqueue(
      tx,
      ctx.jobs as JobCatalog,
      'content.scheduled_transition',
      { workspaceId: item.workspaceId, contentId: item.id, action, at: at.toISOString() },
      { runAt: at, dedupeKey: `content:${item.id}:${action}:${at.toISOString()}` },
    );
  }
}

/** The job body: take the scheduled action as the system, if the schedule still stands. */
export async function runScheduledTransition(
  ctx: ContentContext,
  p: ScheduledTransitionPayload,
  logger: Logger,
): Promise<ScheduledOutcome> {
  const actor = systemActor(p.workspaceId, 'job');
  return inTransaction(ctx.db.kysely, async (tx) => {
    const item = await lockItem(tx, p.workspaceId, p.contentId);
    if (!item) return 'missing';
    const scheduledAt = p.action === 'publish' ? item.publishAt : item.archiveAt;
    if (scheduledAt === null || scheduledAt.getTime() !== Date.parse(p.at)) {
      logger.info({ contentId: item.id, action: p.action }, 'scheduled transition superseded; skipped');
      return 'stale';
    }
    const result = await applyTransition(ctx, tx, actor, item, p.action, null, p.action);
    if (result.ok) return 'done';
    // Not retried: guards will not pass by themselves. The failure is an event so the owner can act on it.
    await ctx.events.append(tx, {
      workspaceId: item.workspaceId,
      type: 'content.schedule_failed',
      subject: `content:${item.id}`,
      actor,
      payload: { contentId: item.id, action: p.action, at: p.at, failed: result.rejection.failed },
    });
    logger.warn(
      { contentId: item.id, action: p.action, code: result.rejection.code },
      'scheduled transition refused',
    );
    return 'refused';
  });
}
