/**
 * Policy actions of the connections module, with the roles allowed to perform them; merged into `ACTION_ROLES`.
 * Connections hold the keys to the workspace's marketing accounts: changing them is for admins. Credentials are
 * never readable by anyone (write-only), so reading connections is safe for every member.
 */
import type { WorkspaceRole } from '../../db/index.js';
import { atLeast } from '../roles.js';

export const CONNECTION_ACTIONS = {
  /** Connections (without credentials), their health, and the connectors of this build. */
  'connections.read': atLeast('viewer'),
  /** Create, change, delete connections; set credentials; run OAuth authorisation. */
  'connections.manage': atLeast('admin'),
  /** Run a connection's test call against the vendor: whoever publishes needs to check the target works. */
  'connections.test': atLeast('publisher'),
} as const satisfies Record<string, readonly WorkspaceRole[]>;
