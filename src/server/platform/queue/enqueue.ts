/**
 * Enqueueing runs on the caller's executor, so a state change and the jobs it causes commit together
 * (transactional outbox, DESIGN §2). Payloads are validated by the job's schema before anything is written.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/index.js';
import { inTransaction } from '../db/index.js';
import { ValidationError } from '../errors/index.js';
import type { JobCatalog, JobPayload, JobSchemas, ResolvedJobDefinition } from './job-catalog.js';

export interface EnqueueOptions {
  /** Not before this time; default now. */
  runAt?: Date;
  /** Overrides the definition's priority; higher runs first. */
  priority?: number;
  /** Idempotency: a second enqueue with the same key returns the existing job instead of adding one. */
  dedupeKey?: string;
  /** Overrides the definition's ordering key; jobs sharing a key run one at a time in enqueue order. */
  orderingKey?: string;
  /** Overrides the definition's retry.maxAttempts. */
  maxAttempts?: number;
}

export interface EnqueueResult {
  id: string;
  /** True when `dedupeKey` matched an existing job and nothing was added. */
  deduplicated: boolean;
}

export interface EnqueueItem<P extends JobSchemas, N extends keyof P & string = keyof P & string> {
  name: N;
  payload: JobPayload<P, N>;
  opts?: EnqueueOptions;
}

interface Row {
  name: string;
  payload: string;
  priority: number;
  runAt: Date | null;
  maxAttempts: number;
  leaseMs: number;
  dedupeKey: string | null;
  orderingKey: string | null;
}

function lookup(catalog: JobCatalog<JobSchemas>, name: string): ResolvedJobDefinition {
  const def = catalog.definitions.get(name);
  if (!def) throw new ValidationError(`Unknown job "${name}"`, { job: name });
  return def;
}

function buildRow(
  catalog: JobCatalog<JobSchemas>,
  name: string,
  payload: unknown,
  opts: EnqueueOptions,
): Row {
  const def = lookup(catalog, name);
  const parsed = def.payload.safeParse(payload);
  if (!parsed.success) {
    throw new ValidationError(`Invalid payload for job "${name}"`, {
      job: name,
      issues: parsed.error.issues,
    });
  }
  const maxAttempts = opts.maxAttempts ?? def.retry.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new ValidationError('maxAttempts must be >= 1');
  return {
    name,
    payload: JSON.stringify(parsed.data),
    priority: opts.priority ?? def.priority,
    runAt: opts.runAt ?? null,
    maxAttempts,
    leaseMs: def.leaseMs,
    dedupeKey: opts.dedupeKey ?? null,
    orderingKey: opts.orderingKey ?? def.orderingKey?.(parsed.data) ?? null,
  };
}

/**
 * Adds one job on `executor` (pass the caller's transaction). Throws `ValidationError` for an unknown name or a
 * payload the schema rejects. With `dedupeKey`, an existing job with that key is returned (`deduplicated: true`).
 */
export async function enqueue<P extends JobSchemas, N extends keyof P & string>(
  executor: Executor,
  catalog: JobCatalog<P>,
  name: N,
  payload: JobPayload<P, N>,
  opts: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const [result] = await enqueueMany(executor, catalog, [{ name, payload, opts }]);
  return result!;
}

/**
 * Adds many jobs. Jobs without dedupe or ordering keys go in with one INSERT statement; keyed jobs need per-key
 * decisions (existing job? lane head?) and are inserted one by one in the same transaction.
 * Results are in input order.
 */
export async function enqueueMany<P extends JobSchemas>(
  executor: Executor,
  catalog: JobCatalog<P>,
  items: readonly EnqueueItem<P>[],
): Promise<EnqueueResult[]> {
  if (items.length === 0) return [];
  const rows = items.map((it) =>
    buildRow(catalog as JobCatalog<JobSchemas>, it.name, it.payload, it.opts ?? {}),
  );
  const plain = rows.flatMap((r, i) => (r.dedupeKey === null && r.orderingKey === null ? [i] : []));
  const results: EnqueueResult[] = new Array<EnqueueResult>(rows.length);
  const run = async (tx: Executor) => {
    if (plain.length) {
      const ids = await insertPlain(
        tx,
        plain.map((i) => rows[i]!),
      );
      plain.forEach((rowIndex, k) => (results[rowIndex] = { id: String(ids[k]), deduplicated: false }));
    }
    for (let i = 0; i < rows.length; i++) {
      if (results[i]) continue;
      results[i] = await insertKeyed(tx, rows[i]!);
    }
  };
  // A single plain insert is atomic by itself; anything more shares one transaction (or the caller's).
  if (plain.length === rows.length) await run(executor);
  else await inTransaction(executor, run);
  return results;
}

/** One multi-row INSERT via unnest: one statement, one round trip, whatever the batch size. */
async function insertPlain(tx: Executor, rows: Row[]): Promise<number[]> {
  const res = await sql<{ id: number }>`
    INSERT INTO jobs (name, payload, priority, run_at, max_attempts, lease_ms)
    SELECT n, p::jsonb, pr, coalesce(r, now()), ma, lm
    FROM unnest(${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.payload)}::text[],
                ${rows.map((r) => r.priority)}::int[], ${rows.map((r) => r.runAt)}::timestamptz[],
                ${rows.map((r) => r.maxAttempts)}::int[], ${rows.map((r) => r.leaseMs)}::int[])
         WITH ORDINALITY AS t(n, p, pr, r, ma, lm, ord)
    ORDER BY ord
    RETURNING id`.execute(tx);
  // INSERT … SELECT … ORDER BY assigns identity values in that order, so ids sort like the input.
  return res.rows.map((r) => r.id).sort((a, b) => a - b);
}

async function insertKeyed(tx: Executor, row: Row): Promise<EnqueueResult> {
  if (row.dedupeKey !== null) {
    const existing = await findByDedupeKey(tx, row.dedupeKey);
    if (existing !== null) return { id: String(existing), deduplicated: true };
  }
  let state: 'pending' | 'blocked' = 'pending';
  if (row.orderingKey !== null) {
    // The lane row serializes enqueuers and finishers of one key; depth 1 means this job is the lane's head.
    const lane = await sql<{ depth: number }>`
      INSERT INTO job_lanes (key, depth) VALUES (${row.orderingKey}, 1)
      ON CONFLICT (key) DO UPDATE SET depth = job_lanes.depth + 1
      RETURNING depth`.execute(tx);
    if (lane.rows[0]!.depth > 1) state = 'blocked';
  }
  const inserted = await sql<{ id: number }>`
    INSERT INTO jobs (name, payload, state, priority, run_at, max_attempts, lease_ms, dedupe_key, ordering_key)
    VALUES (${row.name}, ${row.payload}::jsonb, ${state}, ${row.priority}, coalesce(${row.runAt}::timestamptz, now()),
            ${row.maxAttempts}, ${row.leaseMs}, ${row.dedupeKey}, ${row.orderingKey})
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
    RETURNING id`.execute(tx);
  const id = inserted.rows[0]?.id;
  if (id !== undefined) return { id: String(id), deduplicated: false };
  // A concurrent transaction committed the same key between our lookup and insert: undo our lane claim.
  if (row.orderingKey !== null) {
    await sql`UPDATE job_lanes SET depth = depth - 1 WHERE key = ${row.orderingKey}`.execute(tx);
  }
  const existing = await findByDedupeKey(tx, row.dedupeKey!);
  return { id: String(existing), deduplicated: true };
}

async function findByDedupeKey(tx: Executor, key: string): Promise<number | null> {
  const r = await tx.selectFrom('jobs').select('id').where('dedupe_key', '=', key).executeTakeFirst();
  return r?.id ?? null;
}
