/**
 * Drives the durable event consumers of a worker process straight from the event log (ADR 0009).
 *
 * Why not a queue job per event: an append used to enqueue one `events.consume` job per interested consumer
 * (dedupe lookups, a lane row, a NOTIFY), and each job paid a claim, a lane update and a completion. On the embedded
 * database that was two thirds of the statements a content transition cost. The log already is a durable, ordered
 * outbox with per-consumer cursors; the runner only needs to know *when* to look, and the event bus tells it.
 *
 * How it works:
 * - the bus reports every append (in-process on PGlite, NOTIFY on PostgreSQL); the workspace is marked dirty;
 * - a pass over a dirty workspace is ONE transaction for all its consumers: lock their cursor rows (SKIP LOCKED: a
 *   cursor another node holds is retried shortly), read the head, read the events after the lowest cursor once,
 *   hand each consumer its matching events inside its own SAVEPOINT, advance the cursors in one statement;
 * - a consumer whose handler throws is rolled back to its savepoint (the others commit), keeps its cursor and
 *   backs off exponentially; its error is kept on the cursor row for operators;
 * - a poll (default every 2 s) compares every cursor with its workspace head, so a lost notification, a restart
 *   or a consumer registered later catches up without any append;
 * - passes coalesce under load: the first append after a quiet spell starts a pass at once, but a pass starts at
 *   most every `minPassIntervalMs` (default 25 ms) after the previous one began, so at 200 appends/s one pass
 *   handles about five events instead of five passes handling one each (each pass costs ~1 ms of the embedded
 *   database's single session, which the requests are waiting for — ADR 0012).
 * - rounds wait while a registered yield source is busy (`yieldTo`: webhooks' ingest first during an inbound burst,
 *   ADR 0008), so a backlog of events does not take turns with the requests of the burst.
 *
 * Invariants (as before): handlers see events in seq order and do their work with the `tx` they are given, so an
 * effect commits if and only if the cursor moves past its event — exactly once in the database.
 */
import { sql } from 'kysely';
import type { Clock } from '../../clock.js';
import { runInBackground, type BackgroundYield, type Db, type Executor } from '../../db/index.js';
import type { Logger } from '../../logger.js';
import { matchesTypeFilter } from '../event-types.js';
import { listEvents, readEventHead, type DomainEvent } from '../events.repo.js';
import { listBehindCursors, recordCursorError } from './consumer-cursor.repo.js';
import type { EventConsumer, EventConsumerRegistry } from './event-consumer.js';

export interface ConsumerRunnerOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  registry: EventConsumerRegistry;
  /** Safety poll over all cursors; default 2 s. */
  pollIntervalMs?: number;
  /** A cursor held by another node is retried after this delay; default 100 ms. */
  lockedRetryMs?: number;
  /** Passes start at most this often while appends keep coming; default 25 ms (0 = back to back). */
  minPassIntervalMs?: number;
  /** Backoff after a failing handler: base and cap; default 1 s and 5 min. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Time a round waited for `yieldTo` sources (metrics). */
  onDeferred?: (ms: number) => void;
}

interface Failure {
  count: number;
  retryAtMs: number;
}

const key = (consumer: string, workspaceId: string) => `${consumer}\u0000${workspaceId}`;

export class ConsumerRunner {
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, Failure>();
  /** Cursor rows known to exist, so the common pass skips the insert. */
  private readonly knownCursors = new Set<string>();
  private loop: Promise<void> | null = null;
  /** Workspace passes run (a pass is one transaction over all consumers of one workspace). */
  passes = 0;
  /** When the last round of passes began (performance.now()), for coalescing. */
  private lastRoundAt = -Infinity;
  private pollTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private readonly yields: BackgroundYield[] = [];
  /** Aborted by stop(), so a round waiting for a yield source does not hold up shutdown. */
  private stopping = new AbortController();

  constructor(private readonly o: ConsumerRunnerOptions) {}

  /**
   * Rounds wait for `source` before they start while it is busy (webhooks' ingest first during an inbound burst):
   * the events stay in the log, the cursors where they are, and nothing is lost. `drain()` does not wait.
   */
  yieldTo(source: BackgroundYield): void {
    this.yields.push(source);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = new AbortController();
    this.pollTimer = runInBackground(() =>
      setInterval(() => void this.poll(), this.o.pollIntervalMs ?? 2_000),
    );
    this.pollTimer.unref();
    void runInBackground(() => this.poll());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    await this.loop;
  }

  /** An event was appended in `workspaceId` (from the bus). */
  notify(workspaceId: string): void {
    if (this.stopped || this.o.registry.list().length === 0) return;
    this.dirty.add(workspaceId);
    this.kick();
  }

  /**
   * Runs every consumer until none is behind its workspace head, ignoring backoff (tests, the CLI, shutdown of a
   * one-shot process). Returns the number of events handed to handlers. Throws the first handler error.
   */
  async drain(): Promise<number> {
    await this.loop;
    let handled = 0;
    for (let round = 0; round < 1_000; round++) {
      const behind = await listBehindCursors(
        this.o.db.kysely,
        this.o.registry.list().map((c) => c.name),
      );
      if (behind.length === 0) return handled;
      const workspaces = new Set(behind.map((b) => b.workspaceId));
      for (const ws of workspaces) {
        const pass = await this.runWorkspace(ws, { ignoreBackoff: true });
        if (pass.error) throw pass.error;
        handled += pass.handled;
      }
    }
    throw new Error('event consumers did not catch up after 1,000 passes');
  }

  private kick(): void {
    if (this.loop || this.stopped) return;
    const wait = this.lastRoundAt + (this.o.minPassIntervalMs ?? 25) - performance.now();
    // Background work: on the embedded database the requests that appended the events go first.
    this.loop = runInBackground(async () => {
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (const source of this.yields) {
        const waited = await source.waitWhileBusy(this.stopping.signal);
        if (waited > 0) this.o.onDeferred?.(waited);
      }
      await this.runDirty();
    }).finally(() => {
      this.loop = null;
      if (this.dirty.size > 0) this.kick();
    });
  }

  /** One pass over every workspace dirty now; appends meanwhile wait for the next round (see kick). */
  private async runDirty(): Promise<void> {
    this.lastRoundAt = performance.now();
    const round = [...this.dirty];
    this.dirty.clear();
    for (const ws of round) {
      if (this.stopped) return;
      try {
        const pass = await this.runWorkspace(ws, { ignoreBackoff: false });
        if (pass.more) {
          // A full batch: there is a backlog, and nothing to coalesce; the next round starts at once.
          this.dirty.add(ws);
          this.lastRoundAt = -Infinity;
        }
      } catch (err) {
        // The transaction itself failed (database unavailable): the poll brings the workspace back.
        this.o.logger.warn({ err, workspace_id: ws }, 'event consumers: pass failed; will retry');
      }
    }
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    const names = this.o.registry.list().map((c) => c.name);
    if (names.length === 0) return;
    try {
      for (const b of await listBehindCursors(this.o.db.kysely, names)) this.dirty.add(b.workspaceId);
      this.kick();
    } catch (err) {
      this.o.logger.warn({ err }, 'event consumers: poll failed');
    }
  }

  /** One transaction over all consumers of one workspace. */
  private async runWorkspace(
    workspaceId: string,
    opts: { ignoreBackoff: boolean },
  ): Promise<{ handled: number; more: boolean; error?: unknown }> {
    const nowMs = this.o.clock.nowMs();
    const consumers = this.o.registry.list().filter((c) => {
      if (opts.ignoreBackoff) return true;
      const f = this.failures.get(key(c.name, workspaceId));
      return !f || f.retryAtMs <= nowMs;
    });
    if (consumers.length === 0) return { handled: 0, more: false };
    this.passes++;
    const failed: { consumer: EventConsumer; error: unknown }[] = [];
    const succeeded: EventConsumer[] = [];
    let handled = 0;
    let more = false;
    let skipped = false;
    await this.o.db.kysely.transaction().execute(async (tx) => {
      await this.ensureCursors(tx, consumers, workspaceId);
      const cursors = await lockCursors(tx, workspaceId, consumers);
      skipped = cursors.size < consumers.length;
      if (cursors.size === 0) return;
      const head = await readEventHead(tx, workspaceId);
      const from = Math.min(...cursors.values());
      if (from >= head) return;
      const active = consumers.filter((c) => cursors.has(c.name));
      const limit = Math.min(...active.map((c) => c.batchSize));
      const events = await listEvents(tx, { workspaceId, after: from, limit });
      const full = events.length === limit;
      // Everything up to `upTo` has been read: the batch's last seq when it was full, else the head — or the last
      // event read when it is past the head (on PostgreSQL each statement sees the latest commits, so an append can
      // land between reading the head and reading the events; commit order is seq order, so nothing is skipped).
      const last = events.length > 0 ? events[events.length - 1]!.seq : 0;
      const upTo = full ? last : Math.max(head, last);
      more = full;
      const ctx = { workspaceId, clock: this.o.clock, logger: this.o.logger, signal: neverAborted };
      const moved: { consumer: string; seq: number }[] = [];
      for (const [i, consumer] of active.entries()) {
        const at = cursors.get(consumer.name)!;
        const mine = events.filter((e) => e.seq > at && matchesTypeFilter(e.type, consumer.filter));
        if (mine.length > 0) {
          const ok = await handleInSavepoint(tx, `c${i}`, consumer, mine, {
            ...ctx,
            consumer: consumer.name,
          });
          if (!ok.ok) {
            failed.push({ consumer, error: ok.error });
            continue;
          }
          handled += mine.length;
        }
        succeeded.push(consumer);
        if (upTo > at) moved.push({ consumer: consumer.name, seq: upTo });
      }
      await advanceCursors(tx, workspaceId, moved, this.o.clock.now());
    });
    for (const c of succeeded) this.failures.delete(key(c.name, workspaceId));
    for (const f of failed) await this.recordFailure(f.consumer, workspaceId, f.error);
    if (skipped) this.retryLater(workspaceId, this.o.lockedRetryMs ?? 100);
    return { handled, more, ...(failed[0] ? { error: failed[0].error } : {}) };
  }

  private async ensureCursors(tx: Executor, consumers: EventConsumer[], workspaceId: string): Promise<void> {
    const missing = consumers.filter((c) => !this.knownCursors.has(key(c.name, workspaceId)));
    if (missing.length === 0) return;
    await sql`
      INSERT INTO event_consumer_cursors (consumer, workspace_id, last_seq, updated_at)
      SELECT name, ${workspaceId}::uuid, 0, ${this.o.clock.now()}::timestamptz
      FROM unnest(${missing.map((c) => c.name)}::text[]) AS name
      ON CONFLICT (consumer, workspace_id) DO NOTHING`.execute(tx);
    // Marked known only after commit would be stricter; a rolled-back insert just costs one more insert later.
    for (const c of missing) this.knownCursors.add(key(c.name, workspaceId));
  }

  private async recordFailure(consumer: EventConsumer, workspaceId: string, error: unknown): Promise<void> {
    const k = key(consumer.name, workspaceId);
    const count = (this.failures.get(k)?.count ?? 0) + 1;
    const base = this.o.backoffBaseMs ?? 1_000;
    const delay = Math.min(base * 2 ** (count - 1), this.o.backoffMaxMs ?? 5 * 60_000);
    this.failures.set(k, { count, retryAtMs: this.o.clock.nowMs() + delay });
    this.o.logger.error(
      { err: error, consumer: consumer.name, workspace_id: workspaceId, failures: count, retry_in_ms: delay },
      'event consumer failed; its cursor stays and it retries with backoff',
    );
    await recordCursorError(this.o.db.kysely, consumer.name, workspaceId, String(error)).catch(() => {});
    this.retryLater(workspaceId, delay);
  }

  private retryLater(workspaceId: string, ms: number): void {
    const t = runInBackground(() => setTimeout(() => this.notify(workspaceId), ms));
    t.unref();
  }
}

const neverAborted = new AbortController().signal;

async function handleInSavepoint(
  tx: Executor,
  name: string,
  consumer: EventConsumer,
  events: DomainEvent[],
  ctx: Parameters<EventConsumer['handle']>[2],
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  await sql.raw(`SAVEPOINT ${name}`).execute(tx);
  try {
    for (const event of events) await consumer.handle(tx, event, ctx);
    await sql.raw(`RELEASE SAVEPOINT ${name}`).execute(tx);
    return { ok: true };
  } catch (error) {
    await sql.raw(`ROLLBACK TO SAVEPOINT ${name}`).execute(tx);
    return { ok: false, error };
  }
}

/** Locks the cursors this node can take now; ones held by another node's pass are left out. */
async function lockCursors(
  tx: Executor,
  workspaceId: string,
  consumers: EventConsumer[],
): Promise<Map<string, number>> {
  const res = await sql<{ consumer: string; last_seq: string }>`
    SELECT consumer, last_seq FROM event_consumer_cursors
    WHERE workspace_id = ${workspaceId}::uuid AND consumer = ANY(${consumers.map((c) => c.name)}::text[])
    FOR UPDATE SKIP LOCKED`.execute(tx);
  return new Map(res.rows.map((r) => [r.consumer, Number(r.last_seq)]));
}

async function advanceCursors(
  tx: Executor,
  workspaceId: string,
  moved: { consumer: string; seq: number }[],
  now: Date,
): Promise<void> {
  if (moved.length === 0) return;
  await sql`
    UPDATE event_consumer_cursors AS c
    SET last_seq = v.seq, updated_at = ${now}::timestamptz, last_error = NULL
    FROM (SELECT unnest(${moved.map((m) => m.consumer)}::text[]) AS consumer,
                 unnest(${moved.map((m) => m.seq)}::bigint[]) AS seq) AS v
    WHERE c.workspace_id = ${workspaceId}::uuid AND c.consumer = v.consumer`.execute(tx);
}
