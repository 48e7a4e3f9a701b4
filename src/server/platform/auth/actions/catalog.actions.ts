/**
 * Policy actions of the catalog module, with the roles allowed to perform them; merged into `ACTION_ROLES`.
 * Use `atLeast(role)` for a minimum role, or an explicit list where the role order does not fit.
 */
import type { WorkspaceRole } from '../../db/index.js';
import { atLeast } from '../roles.js';

export const CATALOG_ACTIONS = {
  /** Products, bundles and propagation status: every member. */
  'catalog.read': atLeast('viewer'),
  /** Create and edit products and bundles (including discontinuing a product): the people who write content. */
  'catalog.write': atLeast('editor'),
  /** Deleting is irreversible and breaks links from content: admins only. */
  'catalog.delete': atLeast('admin'),
} as const satisfies Record<string, readonly WorkspaceRole[]>;
