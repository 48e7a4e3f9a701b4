/** Kysely table types for the events area; follow migrations/0003_events_audit.sql. */
import type { ColumnType, Generated } from 'kysely';

/** jsonb: written as JSON text (so arrays are never mistaken for Postgres arrays), read back as parsed JSON. */
export type JsonColumn<T> = ColumnType<T, string, never>;

/** Who caused an event; stored as jsonb on the event row. */
export interface EventActor {
  kind: 'user' | 'token' | 'system';
  userId: string | null;
  tokenId: string | null;
  origin: 'api' | 'cli' | 'job';
}

export interface EventTables {
  /** The per-workspace counter; its row lock serializes writers so that commit order == seq order. */
  workspace_event_seq: {
    workspace_id: string;
    last: number;
  };
  events: {
    id: Generated<string>;
    workspace_id: string;
    seq: number;
    type: string;
    subject: string;
    payload: JsonColumn<unknown>;
    actor: JsonColumn<EventActor>;
    occurred_at: ColumnType<Date, Date, never>;
  };
}
