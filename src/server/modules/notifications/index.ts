/**
 * notifications: telling the right people about review and workflow events, in the app and by email.
 *
 * Terminology:
 * - notification: one row for one user, of one kind (review_requested, mentioned, commented, state_changed,
 *   rejected), caused by one event (`eventSeq`); read or unread.
 * - preferences: per user and kind, whether it appears in-app and/or is emailed (defaults in notification-kinds.ts).
 * - producer: the `notifications` event consumer — notifications exist because events happened, never because
 *   another module called this one.
 * - email job: `notifications.email`, enqueued with the notification; retried while the mail server is down.
 */
import type { ModuleDeps, SwitchboardModule } from '../module.js';
import type { EventConsumer } from '../../platform/events/index.js';
import type { JobCatalog } from '../../platform/queue/index.js';
import { createMailer, type Mailer } from './mailer.js';
import { defineNotificationsConsumer } from './notifications.consumer.js';
import { defineNotificationJobs } from './notifications.jobs.js';
import { registerNotificationRoutes } from './notifications.routes.js';

export {
  NOTIFICATION_KINDS,
  DEFAULT_PREFERENCES,
  type NotificationKind,
  type ChannelPrefs,
} from './notification-kinds.js';
export { NOTIFICATIONS_CONSUMER } from './notifications.consumer.js';
export { createMailer, type Mailer, type MailMessage } from './mailer.js';
export * from './notifications.service.js';
export type { Notification } from './notifications.repo.js';
export type { NotificationTables } from './notifications.tables.js';

export interface NotificationsModule extends SwitchboardModule {
  readonly jobs: JobCatalog;
  /** Register on `events.consumers` (the composition root does). */
  readonly consumers: readonly EventConsumer[];
  readonly mailer: Mailer;
}

export function createNotificationsModule(deps: ModuleDeps & { mailer?: Mailer }): NotificationsModule {
  const mailer =
    deps.mailer ??
    createMailer({ smtpUrl: deps.config.smtpUrl, from: deps.config.mailFrom, logger: deps.logger });
  const jobs = defineNotificationJobs({ db: deps.db, mailer });
  const consumer = defineNotificationsConsumer({
    clock: deps.clock,
    publicUrl: deps.config.publicUrl,
    jobs,
  });
  return {
    name: 'notifications',
    jobs,
    consumers: [consumer],
    mailer,
    registerRoutes: (app) => registerNotificationRoutes(app, { db: deps.db, clock: deps.clock }),
  };
}
