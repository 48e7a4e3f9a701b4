/** What a notification can be about, and who gets which channel unless they say otherwise. */
export const NOTIFICATION_KINDS = [
  'review_requested',
  'mentioned',
  'commented',
  'state_changed',
  'rejected',
  'webhook_disabled',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface ChannelPrefs {
  inApp: boolean;
  email: boolean;
}

/**
 * Defaults: everything in-app; email only for what asks something of you (a review, a mention, a rejection, a
 * webhook subscription Switchboard disabled — integrations are down until an owner or admin acts).
 */
export const DEFAULT_PREFERENCES: Record<NotificationKind, ChannelPrefs> = {
  review_requested: { inApp: true, email: true },
  mentioned: { inApp: true, email: true },
  commented: { inApp: true, email: false },
  state_changed: { inApp: true, email: false },
  rejected: { inApp: true, email: true },
  webhook_disabled: { inApp: true, email: true },
};
