/**
 * Policy actions of the webhooks module, with the roles allowed to perform them; merged into `ACTION_ROLES`.
 * Webhooks carry every event of the workspace to another system, and their logs hold those payloads: admins only.
 */
import type { WorkspaceRole } from '../../db/index.js';
import { atLeast } from '../roles.js';

export const WEBHOOK_ACTIONS = {
  /** Subscriptions, message logs with attempts, inbound endpoints and the inbound log. */
  'webhooks.read': atLeast('admin'),
  /** Create, change, delete, rotate secrets, ping, replay, reprocess, settings (allowed hosts). */
  'webhooks.manage': atLeast('admin'),
} as const satisfies Record<string, readonly WorkspaceRole[]>;
