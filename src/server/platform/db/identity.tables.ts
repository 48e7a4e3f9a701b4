import type { Generated } from 'kysely';

export const WORKSPACE_ROLES = ['owner', 'admin', 'publisher', 'reviewer', 'editor', 'viewer'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export interface IdentityTables {
  workspaces: {
    id: Generated<string>;
    slug: string;
    name: string;
    created_at: Generated<Date>;
  };
  users: {
    id: Generated<string>;
    email: string;
    name: string;
    password_hash: string | null;
    must_change_password: Generated<boolean>;
    disabled: Generated<boolean>;
    created_at: Generated<Date>;
  };
  memberships: {
    workspace_id: string;
    user_id: string;
    role: WorkspaceRole;
    created_at: Generated<Date>;
  };
}
