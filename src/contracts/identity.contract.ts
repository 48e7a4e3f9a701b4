/**
 * Who is calling and where: roles, workspaces and the `/auth/me` body. Roles are the server's list
 * (src/server/platform/db/identity.tables.ts), so a new role is one edit.
 */
import { z } from 'zod';
import { WORKSPACE_ROLES } from '../server/platform/db/identity.tables.js';

export { WORKSPACE_ROLES };
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

/** Lowest to highest; mirrors ROLE_RANK in src/server/platform/auth/roles.ts. */
export const ROLE_ORDER: readonly WorkspaceRole[] = [
  'viewer',
  'editor',
  'reviewer',
  'publisher',
  'admin',
  'owner',
];

export function rankOf(role: WorkspaceRole): number {
  return ROLE_ORDER.indexOf(role);
}

export const memberWorkspaceSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  role: z.enum(WORKSPACE_ROLES),
});
export type MemberWorkspace = z.infer<typeof memberWorkspaceSchema>;

export const sessionUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  mustChangePassword: z.boolean(),
});
export type SessionUser = z.infer<typeof sessionUserSchema>;

export const meSchema = z.object({
  user: sessionUserSchema,
  workspace: memberWorkspaceSchema,
  workspaces: z.array(memberWorkspaceSchema),
  via: z.enum(['session', 'token']),
  csrfToken: z.string().nullable(),
});
export type Me = z.infer<typeof meSchema>;

export const loginResultSchema = z.object({
  user: sessionUserSchema,
  workspaces: z.array(memberWorkspaceSchema),
  csrfToken: z.string(),
});
export type LoginResult = z.infer<typeof loginResultSchema>;

/** Header naming the workspace a request acts in (id or slug), and the CSRF header for cookie sessions. */
export const WORKSPACE_HEADER = 'x-switchboard-workspace';
export const CSRF_HEADER = 'x-csrf-token';
