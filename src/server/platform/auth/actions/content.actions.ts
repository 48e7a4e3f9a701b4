/**
 * Policy actions of the content module, with the roles allowed to perform them; merged into `ACTION_ROLES`.
 * Use `atLeast(role)` for a minimum role, or an explicit list where the role order does not fit.
 */
import type { WorkspaceRole } from '../../db/index.js';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- used as entries are added
import { atLeast } from '../roles.js';

export const CONTENT_ACTIONS = {} as const satisfies Record<string, readonly WorkspaceRole[]>;
