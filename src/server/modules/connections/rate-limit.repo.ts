/**
 * SQL of the shared rate limit (migrations/0012_connector_rate_limits.sql, ADR 0010): the `SharedRateStore` of one
 * connection. Every duration is computed on the database server's clock (`now()`), so the clocks of the processes
 * sharing a budget never matter. `now()` is the statement's start: earlier than the moment a slot is granted (a slot
 * is seen free no sooner than it is) and later than the response a release follows (a slot frees no sooner than
 * `window` after the vendor counted its request) — both conservative.
 */
import { sql, type RawBuilder } from 'kysely';
import type {
  ConnectorErrorInit,
  RateLimitPolicy,
  SharedAcquireOutcome,
  SharedRateStore,
} from '../../connectors/index.js';
import type { Executor } from '../../platform/db/index.js';
import { rateLimitDb } from './rate-limit.tables.js';

/** A row of `connector_rate_acquire(…)`. */
interface AcquireRow {
  granted_window: number | null;
  granted_concurrency: number | null;
  paused_ms: number;
  blocked_ms: number;
  block_error: ConnectorErrorInit | null;
  quota_spent: boolean;
  quota_used: number;
  vendor_wait_ms: number;
  vendor_left: number | null;
  next_free_ms: number | null;
  window_free: number;
}

const millis = (n: number): RawBuilder<unknown> => sql`(${n}::float8 * interval '1 millisecond')`;
const intArray = (xs: readonly number[]): string => `{${xs.map((x) => Math.trunc(x)).join(',')}}`;

export function createRateLimitStore(db: Executor, connectionId: string): SharedRateStore {
  const id = connectionId;
  return {
    async ensure(policy: RateLimitPolicy) {
      const n = policy.requests;
      const c = policy.concurrency ?? 0;
      await sql`
        WITH up AS (
          INSERT INTO connector_rate_limits (connection_id, window_limit, window_ms, concurrency, daily_limit)
          VALUES (${id}, ${n}, ${policy.windowMs}, ${policy.concurrency ?? null}, ${policy.daily ?? null})
          ON CONFLICT (connection_id) DO UPDATE SET
            window_limit = EXCLUDED.window_limit, window_ms = EXCLUDED.window_ms,
            concurrency = EXCLUDED.concurrency, daily_limit = EXCLUDED.daily_limit, updated_at = now()
          WHERE (connector_rate_limits.window_limit, connector_rate_limits.window_ms,
                 connector_rate_limits.concurrency, connector_rate_limits.daily_limit)
            IS DISTINCT FROM (EXCLUDED.window_limit, EXCLUDED.window_ms, EXCLUDED.concurrency, EXCLUDED.daily_limit)
          RETURNING 1
        ), added AS (
          INSERT INTO connector_rate_slots (connection_id, kind, slot)
          SELECT ${id}::uuid, 'window', g FROM generate_series(0, ${n - 1}::int) g
          UNION ALL
          SELECT ${id}::uuid, 'concurrency', g FROM generate_series(0, ${c - 1}::int) g
          ON CONFLICT DO NOTHING
        ), removed AS (
          -- Shrinking drops the highest slots, in flight or not: the smaller budget holds once they have drained.
          DELETE FROM connector_rate_slots
          WHERE connection_id = ${id}
            AND ((kind = 'window' AND slot >= ${n}) OR (kind = 'concurrency' AND slot >= ${c}))
        )
        SELECT 1`.execute(db);
    },

    async acquire({ holder, day, windowHoldMs, leaseMs }) {
      // One statement: the function locks the connection's row, checks pause/block/quota/vendor budget and takes a
      // window slot and a concurrency slot (see the migration).
      const r = await sql<AcquireRow>`
        SELECT * FROM connector_rate_acquire(${id}::uuid, ${holder}::uuid, ${day}::int, ${windowHoldMs}::float8,
          ${leaseMs}::float8)`.execute(db);
      const row = r.rows[0];
      return row ? toOutcome(row) : null;
    },

    async release({ holder, windowSlots, concurrencySlots, windowHoldMs }) {
      await sql`
        SELECT connector_rate_release(${id}::uuid, ${holder}::uuid, ${intArray(windowSlots)}::int[],
          ${intArray(concurrencySlots)}::int[], ${windowHoldMs}::float8)`.execute(db);
    },

    async renew({ holder, windowHoldMs, leaseMs }) {
      await sql`
        UPDATE connector_rate_slots
        SET free_at = now() + CASE kind WHEN 'window' THEN ${millis(windowHoldMs)} ELSE ${millis(leaseMs)} END
        WHERE connection_id = ${id} AND holder = ${holder}::uuid`.execute(db);
    },

    async pause(pauseMs) {
      await rateLimitDb(db)
        .updateTable('connector_rate_limits')
        .set({
          paused_until: sql`GREATEST(paused_until, now() + ${millis(pauseMs)})`,
          updated_at: sql`now()`,
        })
        .where('connection_id', '=', id)
        .execute();
    },

    async block(blockMs, error) {
      await rateLimitDb(db)
        .updateTable('connector_rate_limits')
        .set({
          blocked_until: sql`GREATEST(blocked_until, now() + ${millis(blockMs)})`,
          blocked_error: JSON.stringify(error),
          updated_at: sql`now()`,
        })
        .where('connection_id', '=', id)
        .execute();
    },

    async adopt(remaining, resetMs) {
      // Responses arrive out of order: within the vendor's reset period the smaller remaining budget wins.
      await rateLimitDb(db)
        .updateTable('connector_rate_limits')
        .set({
          vendor_remaining: sql`CASE WHEN vendor_remaining IS NULL OR vendor_reset_at <= now()
            THEN ${remaining}::int ELSE LEAST(vendor_remaining, ${remaining}::int) END`,
          vendor_reset_at: sql`now() + ${millis(resetMs)}`,
          updated_at: sql`now()`,
        })
        .where('connection_id', '=', id)
        .execute();
    },
  };
}

function toOutcome(row: AcquireRow): SharedAcquireOutcome {
  return {
    granted:
      row.granted_window === null
        ? null
        : { window: row.granted_window, concurrency: row.granted_concurrency },
    pausedMs: Number(row.paused_ms),
    blockedMs: Number(row.blocked_ms),
    blockedError: row.block_error,
    dailyExhausted: row.quota_spent,
    dailyUsed: Number(row.quota_used),
    vendorWaitMs: Number(row.vendor_wait_ms),
    vendorRemaining: row.vendor_left === null ? null : Number(row.vendor_left),
    nextFreeMs: row.next_free_ms === null ? null : Number(row.next_free_ms),
    windowFree: Math.max(0, Number(row.window_free)),
  };
}
