/**
 * Kysely view of `migrations/0012_connector_rate_limits.sql` (ADR 0010). The repo reaches these tables through
 * `rateLimitDb(executor)` (Kysely `withTables`), so the shared schema file does not need to list them.
 */
import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Database, Executor } from '../../platform/db/index.js';
import type { ConnectorErrorInit } from '../../connectors/index.js';

/** 'window': one request per slot per window; 'concurrency': one request in flight per slot. */
export const RATE_SLOT_KINDS = ['window', 'concurrency'] as const;
export type RateSlotKind = (typeof RATE_SLOT_KINDS)[number];

export type RateLimitTables = {
  connector_rate_limits: {
    connection_id: string;
    window_limit: number;
    window_ms: number;
    concurrency: number | null;
    daily_limit: number | null;
    daily_day: number | null;
    daily_used: Generated<number>;
    paused_until: Generated<Date>;
    blocked_until: Generated<Date>;
    blocked_error: ColumnType<ConnectorErrorInit | null, string | null, string | null>;
    vendor_remaining: number | null;
    vendor_reset_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  connector_rate_slots: {
    connection_id: string;
    kind: RateSlotKind;
    slot: number;
    free_at: Generated<Date>;
    holder: string | null;
  };
};

export type RateLimitDb = Kysely<Database & RateLimitTables>;

export function rateLimitDb(executor: Executor): RateLimitDb {
  return executor.withTables<RateLimitTables>();
}
