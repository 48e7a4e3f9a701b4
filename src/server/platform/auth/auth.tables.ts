/** Kysely table types for the auth area; follow migrations/0004_auth.sql. */
import type { Generated } from 'kysely';
import type { WorkspaceRole } from '../db/identity.tables.js';

export interface AuthTables {
  sessions: {
    /** sha256 hex of the cookie value; the raw value exists only in the browser. */
    token_hash: string;
    user_id: string;
    created_at: Date;
    last_seen_at: Date;
    expires_at: Date;
    ip: string | null;
    user_agent: string | null;
  };
  api_tokens: {
    id: Generated<string>;
    workspace_id: string;
    created_by: string | null;
    name: string;
    role: WorkspaceRole;
    token_hash: string;
    prefix: string;
    expires_at: Date | null;
    last_used_at: Date | null;
    revoked_at: Date | null;
    created_at: Date;
  };
  login_attempts: {
    id: Generated<number>;
    email: string;
    ip: string;
    succeeded: boolean;
    attempted_at: Date;
  };
  encrypted_secrets: {
    id: Generated<string>;
    workspace_id: string | null;
    name: string;
    ciphertext: string;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
}
