/**
 * `notifications.email`: sends one notification email. Enqueued by the notifications consumer in the same
 * transaction that records the notification, so a mail outage only delays the email (retries with backoff) and
 * never touches the transition that caused it.
 */
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { defineJobs } from '../../platform/queue/index.js';
import type { Mailer } from './mailer.js';
import { findUserEmail } from './notifications.repo.js';

export const emailPayload = z
  .object({
    workspaceId: z.uuid(),
    userId: z.uuid(),
    subject: z.string().max(300),
    text: z.string().max(20_000),
  })
  .strict();

export function defineNotificationJobs(deps: { db: Db; mailer: Mailer }) {
  return defineJobs({
    'notifications.email': {
      payload: emailPayload,
      leaseMs: 60_000,
      // About a day of retries: an SMTP outage of hours still delivers.
      retry: { maxAttempts: 20, baseMs: 30_000, maxMs: 2 * 60 * 60_000 },
      handler: async (p, ctx) => {
        // Read at send time: an address changed (or an account disabled) since the event wins.
        const user = await findUserEmail(deps.db.kysely, p.userId);
        if (!user) {
          ctx.logger.info({ user_id: p.userId }, 'notification email skipped: user gone or disabled');
          return;
        }
        await deps.mailer.send({ to: user.email, subject: p.subject, text: p.text });
      },
    },
  });
}
