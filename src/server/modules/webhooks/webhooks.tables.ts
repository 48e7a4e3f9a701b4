/**
 * Kysely view of `migrations/0011_webhooks.sql`. The module reaches its tables through `webhookDb(executor)`
 * (Kysely `withTables`), so the shared schema file does not need to list them.
 */
import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Database, Executor } from '../../platform/db/index.js';

type Json<T> = ColumnType<T, string, string>;

export const MESSAGE_STATUSES = ['pending', 'succeeded', 'dead'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const SUBSCRIPTION_ORDERINGS = ['ordered', 'parallel'] as const;
export type SubscriptionOrdering = (typeof SUBSCRIPTION_ORDERINGS)[number];

export const ATTEMPT_OUTCOMES = ['succeeded', 'failed', 'refused', 'timeout', 'gone'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export const INBOUND_SCHEMES = ['standard_webhooks', 'hmac_sha256'] as const;
export type InboundScheme = (typeof INBOUND_SCHEMES)[number];

export const INBOUND_STATUSES = ['received', 'processed', 'failed'] as const;
export type InboundStatus = (typeof INBOUND_STATUSES)[number];

/** `{ "path.to.field": value | [values] }`: every entry must match (a list means "any of"). */
export type PayloadFilter = Record<string, unknown>;

export type WebhookTables = {
  webhook_settings: {
    workspace_id: string;
    allowed_hosts: Json<string[]>;
    updated_at: Date;
  };
  webhook_subscriptions: {
    id: Generated<string>;
    workspace_id: string;
    url: string;
    description: string;
    event_types: Json<string[]>;
    payload_filter: ColumnType<PayloadFilter | null, string | null, string | null>;
    enabled: boolean;
    ordering: SubscriptionOrdering;
    secret_cipher: string;
    previous_secret_cipher: string | null;
    previous_secret_until: Date | null;
    failing_since: Date | null;
    disabled_reason: string | null;
    disabled_at: Date | null;
    created_by: string | null;
    version: Generated<number>;
    created_at: Date;
    updated_at: Date;
  };
  webhook_messages: {
    id: string;
    workspace_id: string;
    subscription_id: string;
    event_seq: ColumnType<number | null, number | null, number | null>;
    event_type: string;
    body: string;
    full_body: string | null;
    status: MessageStatus;
    attempts: Generated<number>;
    generation: Generated<number>;
    last_status: number | null;
    last_error: string | null;
    next_attempt_at: Date | null;
    created_at: Date;
    finished_at: Date | null;
  };
  webhook_attempts: {
    id: Generated<number>;
    message_id: string;
    workspace_id: string;
    subscription_id: string;
    attempt: number;
    url: string;
    request_headers: Json<Record<string, string>>;
    response_status: number | null;
    response_body: string | null;
    error: string | null;
    outcome: AttemptOutcome;
    duration_ms: number;
    started_at: Date;
  };
  inbound_webhook_endpoints: {
    id: Generated<string>;
    workspace_id: string;
    name: string;
    scheme: InboundScheme;
    secret_cipher: string;
    signature_header: string | null;
    signature_encoding: 'hex' | 'base64' | null;
    signature_prefix: string;
    event_type: string;
    enabled: boolean;
    created_at: Date;
    updated_at: Date;
  };
  inbound_webhooks: {
    id: Generated<string>;
    workspace_id: string;
    source_kind: 'connection' | 'endpoint';
    source_id: string;
    vendor: string;
    dedupe_id: string;
    content_type: string;
    headers: Json<Record<string, string>>;
    body: ColumnType<Uint8Array, Buffer, Buffer>;
    status: InboundStatus;
    error: string | null;
    events_emitted: Generated<number>;
    attempts: Generated<number>;
    received_at: Date;
    processed_at: Date | null;
  };
};

export type WebhookDb = Kysely<Database & WebhookTables>;

/** The executor (database or transaction) seen with the webhook tables. */
export function webhookDb(executor: Executor): WebhookDb {
  return executor.withTables<WebhookTables>();
}
