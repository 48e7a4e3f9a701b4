/**
 * Policy actions of the deliveries module (the publishing ledger and content destinations); merged into
 * `ACTION_ROLES`.
 */
import type { WorkspaceRole } from '../../db/index.js';
import { atLeast } from '../roles.js';

export const DELIVERY_ACTIONS = {
  /** The ledger: deliveries with their attempts, per-destination results of content. */
  'deliveries.read': atLeast('viewer'),
  /** Replay failed deliveries and decide unknown outcomes: these send to vendors, like publishing does. */
  'deliveries.manage': atLeast('publisher'),
  /** Choose the destinations a content item is published to (authoring; publishing itself is a workflow step). */
  'deliveries.destinations': atLeast('editor'),
} as const satisfies Record<string, readonly WorkspaceRole[]>;
