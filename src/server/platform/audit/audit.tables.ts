/** Kysely table types for the audit area; follow migrations/0003_events_audit.sql. */
import type { ColumnType, Generated } from 'kysely';

type JsonColumn<T> = ColumnType<T, string | null, never>;

export interface AuditTables {
  /** The last link of each workspace's chain; its row lock serializes writers (same trick as events). */
  audit_chain_head: {
    workspace_id: string;
    last_seq: number;
    last_hash: string;
  };
  audit_log: {
    id: Generated<string>;
    workspace_id: string;
    seq: number;
    at: ColumnType<Date, Date, never>;
    actor_kind: 'user' | 'token' | 'system';
    actor_user_id: string | null;
    actor_token_id: string | null;
    origin: 'api' | 'cli' | 'job';
    action: string;
    subject: string;
    before: JsonColumn<unknown>;
    after: JsonColumn<unknown>;
    ip: string | null;
    user_agent: string | null;
    request_id: string | null;
    prev_hash: string;
    hash: string;
  };
}
