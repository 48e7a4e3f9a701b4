/**
 * `reviews.requests`: closes a reviewer's open review request when they act on the content — an approval vote
 * (`content.approval_recorded`) or an approve/reject transition (`content.transitioned`). Reacting to the content
 * module's events keeps this module out of the content module's code.
 */
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { defineEventConsumer, type EventConsumer } from '../../platform/events/index.js';
import { closeReviewRequests } from './reviews.repo.js';

const REVIEW_ACTIONS = new Set(['approve', 'reject']);
const payload = z.looseObject({ contentId: z.uuid(), action: z.string() });

export function defineReviewRequestsConsumer(deps: { clock: Clock }): EventConsumer {
  return defineEventConsumer({
    name: 'reviews.requests',
    types: ['content.transitioned', 'content.approval_recorded'],
    handle: async (tx, event) => {
      const p = payload.safeParse(event.payload);
      const reviewer = event.actor.userId;
      if (!p.success || !reviewer || !REVIEW_ACTIONS.has(p.data.action)) return;
      await closeReviewRequests(
        tx,
        { contentId: p.data.contentId, reviewerUserId: reviewer },
        'completed',
        deps.clock.now(),
      );
    },
  });
}
