/**
 * The cron scheduler: fires each entry's tick once, cluster-wide.
 *
 * - Leadership: on PostgreSQL a session advisory lock (`pg_try_advisory_lock`) held on a dedicated pooled
 *   connection; whoever holds it fires ticks, the others retry each check. On PGlite the process is the only one
 *   and trivially leads.
 * - Exactly once per tick: `cron_state` (row-locked) records the last fired tick, and the enqueue carries the
 *   dedupe key `cron:<name>:<tickISO>`, so even two leaders (e.g. a lock lost mid-tick) cannot double-fire.
 * - The check runs every `checkMs` but touches the database only when an entry's next tick has passed.
 */
import type pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { inTransaction } from '../db/index.js';
import type { Logger } from '../logger.js';
import { systemClock, type Clock } from '../clock.js';
import type { JobCatalog, JobSchemas } from './job-catalog.js';
import { enqueue } from './enqueue.js';
import { computeDueTick, computeNextTick, validateCronSpec } from './cron.js';

/** Fixed advisory-lock key for the scheduler leader (the migration lock uses 727_001). */
export const SCHEDULER_LOCK_KEY = 727_002;

export interface CronEntry {
  /** Stable identifier; its state row and dedupe keys are keyed by it. */
  name: string;
  cron: string;
  timezone: string;
  /** Job name in the catalog. */
  job: string;
  payload: unknown;
}

export interface SchedulerOptions {
  db: Db;
  catalog: JobCatalog<JobSchemas>;
  entries: readonly CronEntry[];
  logger: Logger;
  clock?: Clock;
  /** How often to look for due ticks (default 1 s). */
  checkMs?: number;
}

export interface Scheduler {
  start(): void;
  /** Stops checking and gives up leadership. */
  stop(): Promise<void>;
  /** One check now; returns whether this node led and which entries fired (tick ISO). For tests and CLI. */
  tick(): Promise<{ leader: boolean; fired: { name: string; tick: string; jobId: string }[] }>;
  isLeader(): boolean;
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { db, catalog, entries } = opts;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger.child({ component: 'scheduler' });
  const checkMs = opts.checkMs ?? 1_000;
  const names = new Set<string>();
  for (const e of entries) {
    validateCronSpec(e);
    if (!catalog.definitions.has(e.job)) throw new Error(`cron entry "${e.name}": unknown job "${e.job}"`);
    if (names.has(e.name)) throw new Error(`cron entry "${e.name}" is defined twice`);
    names.add(e.name);
  }
  // In-memory "don't look before": the next tick after the last check, per entry.
  const nextCheck = new Map<string, number>();
  let leaderClient: pg.PoolClient | null = null;
  let leader = false;
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<unknown> | null = null;
  let stopped = false;

  async function ensureLeader(): Promise<boolean> {
    if (db.kind === 'pglite') return (leader = true);
    if (leaderClient) return true;
    const client = await db.pool!.connect();
    try {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
        SCHEDULER_LOCK_KEY,
      ]);
      if (r.rows[0]?.ok) {
        leaderClient = client;
        // A broken session loses the lock with it; drop leadership and let the next check compete again.
        client.on('error', () => dropLeadership(true));
        logger.info('became cron leader');
        return (leader = true);
      }
    } catch (e) {
      client.release(e as Error);
      throw e;
    }
    client.release();
    return (leader = false);
  }

  function dropLeadership(broken: boolean): void {
    const c = leaderClient;
    leaderClient = null;
    leader = false;
    nextCheck.clear();
    c?.release(broken ? new Error('scheduler session lost') : undefined);
  }

  async function fireEntry(entry: CronEntry, now: Date): Promise<{ tick: string; jobId: string } | null> {
    return inTransaction(db.kysely, async (tx) => {
      const row = await tx
        .selectFrom('cron_state')
        .select('last_fired_at')
        .where('name', '=', entry.name)
        .forUpdate()
        .executeTakeFirst();
      if (!row) {
        await sql`INSERT INTO cron_state (name, last_fired_at) VALUES (${entry.name}, ${now}) ON CONFLICT (name) DO NOTHING`.execute(
          tx,
        );
        return null;
      }
      const due = computeDueTick(entry, row.last_fired_at, now);
      if (!due) return null;
      const tick = due.toISOString();
      const job = await enqueue(tx, catalog, entry.job, entry.payload as never, {
        dedupeKey: `cron:${entry.name}:${tick}`,
      });
      await tx.updateTable('cron_state').set({ last_fired_at: due }).where('name', '=', entry.name).execute();
      return { tick, jobId: job.id };
    });
  }

  async function tickOnce(): Promise<{
    leader: boolean;
    fired: { name: string; tick: string; jobId: string }[];
  }> {
    const fired: { name: string; tick: string; jobId: string }[] = [];
    if (!(await ensureLeader())) return { leader: false, fired };
    const now = clock.now();
    for (const entry of entries) {
      const due = nextCheck.get(entry.name);
      if (due !== undefined && now.getTime() < due) continue;
      try {
        const r = await fireEntry(entry, now);
        if (r) {
          fired.push({ name: entry.name, ...r });
          logger.info({ cron: entry.name, tick: r.tick, job_id: r.jobId }, 'cron tick fired');
        }
        nextCheck.set(entry.name, computeNextTick(entry, now)?.getTime() ?? Number.POSITIVE_INFINITY);
      } catch (e) {
        logger.error({ err: e, cron: entry.name }, 'cron tick failed; will retry');
      }
    }
    return { leader: true, fired };
  }

  const schedulerTick = () => {
    const p = tickOnce();
    ticking = p;
    return p.finally(() => {
      if (ticking === p) ticking = null;
    });
  };

  return {
    start() {
      if (timer || stopped) return;
      const loop = () => {
        schedulerTick()
          .catch((e: unknown) => logger.error({ err: e }, 'scheduler check failed'))
          .finally(() => {
            if (!stopped) timer = setTimeout(loop, checkMs);
          });
      };
      timer = setTimeout(loop, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking?.catch(() => {});
      const c = leaderClient;
      if (c) {
        await c.query('SELECT pg_advisory_unlock($1)', [SCHEDULER_LOCK_KEY]).catch(() => {});
        dropLeadership(false);
      }
      leader = false;
    },
    tick: schedulerTick,
    isLeader: () => leader,
  };
}
