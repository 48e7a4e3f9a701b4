/**
 * Multi-process kill test (DESIGN "Tests", PostgreSQL only): 3 worker processes drain 20,000 jobs; one is killed
 * with SIGKILL at ~30% done. Every job must end `completed`, every job's effect row must exist exactly once, and
 * re-executions (effect conflicts) may not exceed the jobs the killed worker held at the moment it died — those are
 * the only jobs whose effect may have happened without their completion being recorded.
 *
 * The victim is frozen with SIGSTOP before its held jobs are counted, so it cannot claim or complete anything
 * between the count and the SIGKILL.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTestEnv } from '../../src/server/config.js';
import { migrate, openDatabase, type Db } from '../../src/server/platform/db/index.js';
import { enqueueMany } from '../../src/server/platform/queue/index.js';
import { databaseUrlFor, withAdmin } from '../support/pg-template.js';
import { defineKillTestJobs, KILL_JOB, KILL_LEASE_MS, KILL_TEST_DDL } from './queue-kill.jobs.js';
import { pollUntil, spawnWorkerProcess, waitForExit, type WorkerProcess } from './worker-process.js';

const JOBS = 20_000;
const WORKERS = 3;
const CONCURRENCY = 10;
const KILL_AT_FRACTION = 0.3;
const COMPLETION_TIMEOUT_MS = 180_000;

const WORKER_SCRIPT = fileURLToPath(new URL('./queue-kill.worker.ts', import.meta.url));
const { databaseUrl } = readTestEnv();

if (!databaseUrl) {
  console.warn(
    'queue-kill: skipped — this multi-process test needs PostgreSQL; set TEST_DATABASE_URL=postgres://…',
  );
}

describe.skipIf(!databaseUrl)('queue: a worker process killed mid-run (needs TEST_DATABASE_URL)', () => {
  const adminUrl = databaseUrl ?? '';
  const dbName = `sb_mp_${process.pid}_${randomBytes(3).toString('hex')}`;
  let url = '';
  let db: Db;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${dbName}`));
    url = databaseUrlFor(adminUrl, dbName);
    db = await openDatabase({ url, poolSize: 4, applicationName: 'queue-kill-parent' });
    await migrate(db);
    await sql.raw(KILL_TEST_DDL).execute(db.kysely);
  });

  afterAll(async () => {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await db?.close();
    await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  });

  it('completes every job exactly once in effect, re-running at most what the killed worker held', async () => {
    const catalog = defineKillTestJobs(null, process.pid);
    for (let offset = 0; offset < JOBS; offset += 1_000) {
      const items = Array.from({ length: Math.min(1_000, JOBS - offset) }, (_, k) => ({
        name: KILL_JOB as typeof KILL_JOB,
        payload: { n: offset + k },
      }));
      await enqueueMany(db.kysely, catalog, items);
    }

    const started = performance.now();
    workers.push(...(await Promise.all(Array.from({ length: WORKERS }, () => spawnWorker(url)))));
    const readyMs = performance.now() - started;
    const [victim, ...survivors] = workers as [WorkerProcess, ...WorkerProcess[]];

    // Kill once ~30% is done.
    await pollUntil(async () => (await countCompleted(db)) >= JOBS * KILL_AT_FRACTION, 60_000, 50);
    const stoppedAt = new Date();
    victim.child.kill('SIGSTOP');
    // Statements the victim had already sent still finish on the server; let them land before counting.
    await sleep(200);
    const completedAtKill = await countCompleted(db);
    const inFlightAtKill = await countHeldBy(db, victim.workerId);
    // Of those, the ones whose effect already happened: exactly the jobs a rerun will see as a conflict.
    const effectDoneAtKill = await countHeldWithEffect(db, victim.workerId);
    victim.child.kill('SIGKILL');
    const killedAtMs = performance.now() - started;
    const victimExit = await victim.exited;

    const finished = await pollUntil(
      async () => (await countCompleted(db)) === JOBS,
      COMPLETION_TIMEOUT_MS,
      50,
    );
    const durationMs = performance.now() - started;

    for (const w of survivors) w.child.kill('SIGTERM');
    const survivorExits = await Promise.all(survivors.map((w) => waitForExit(w, 30_000)));

    const stats = await readOutcome(db, victim.workerId, stoppedAt);
    const figures = {
      jobs: JOBS,
      workers: WORKERS,
      concurrencyPerWorker: CONCURRENCY,
      leaseMs: KILL_LEASE_MS,
      durationMs: Math.round(durationMs),
      workersReadyAfterMs: Math.round(readyMs),
      jobsPerSecond: Math.round((JOBS / durationMs) * 1000),
      killedAtMs: Math.round(killedAtMs),
      completedAtKill,
      inFlightAtKill,
      effectDoneAtKill,
      reclaimed: stats.reclaimed,
      leaseLossesBeforeKill: stats.leaseLossesBeforeKill,
      leaseLossesOfSurvivors: stats.leaseLossesOfSurvivors,
      conflicts: stats.conflicts,
      effectsByPid: stats.effectsByPid,
    };
    console.log('queue-kill figures:', JSON.stringify(figures, null, 2));

    expect(victimExit.signal).toBe('SIGKILL');
    expect(completedAtKill).toBeLessThan(JOBS);
    expect(finished).toBe(true);
    expect(stats.notCompleted).toBe(0);
    expect(stats.effects).toBe(JOBS);
    expect(stats.jobsWithoutEffect).toBe(0);
    expect(stats.conflicts).toBeLessThanOrEqual(inFlightAtKill);
    // Whatever the victim held comes back through lease expiry (the only way its jobs can finish).
    expect(stats.reclaimed).toBeGreaterThanOrEqual(inFlightAtKill);
    for (const exit of survivorExits) expect(exit).toEqual({ code: 0, signal: null });
  });
});

const spawnWorker = (url: string): Promise<WorkerProcess> =>
  spawnWorkerProcess(WORKER_SCRIPT, [url, String(CONCURRENCY)]);

async function countCompleted(db: Db): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE state = 'completed'`.execute(
    db.kysely,
  );
  return r.rows[0]!.n;
}

async function countHeldBy(db: Db, workerId: string): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM jobs WHERE state = 'running' AND locked_by = ${workerId}`.execute(
    db.kysely,
  );
  return r.rows[0]!.n;
}

async function countHeldWithEffect(db: Db, workerId: string): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM jobs j
    WHERE j.state = 'running' AND j.locked_by = ${workerId}
      AND EXISTS (SELECT 1 FROM mp_effects e WHERE e.job_id = j.id)`.execute(db.kysely);
  return r.rows[0]!.n;
}

async function readOutcome(db: Db, victimId: string, stoppedAt: Date) {
  const one = async (q: ReturnType<typeof sql<{ n: number }>>) => (await q.execute(db.kysely)).rows[0]!.n;
  const byPid = await sql<{ pid: number; n: number }>`
    SELECT worker_pid AS pid, count(*)::int AS n FROM mp_effects GROUP BY worker_pid ORDER BY worker_pid`.execute(
    db.kysely,
  );
  return {
    notCompleted: await one(sql`SELECT count(*)::int AS n FROM jobs WHERE state <> 'completed'`),
    effects: await one(sql`SELECT count(*)::int AS n FROM mp_effects`),
    jobsWithoutEffect: await one(
      sql`SELECT count(*)::int AS n FROM jobs j WHERE NOT EXISTS (SELECT 1 FROM mp_effects e WHERE e.job_id = j.id)`,
    ),
    conflicts: await one(sql`SELECT count(*)::int AS n FROM mp_conflicts`),
    // The lease-expiry sweep records a LeaseExpired error on every job it makes claimable again.
    reclaimed: await one(
      sql`SELECT count(*)::int AS n FROM jobs WHERE errors @> '[{"class": "LeaseExpired"}]'::jsonb`,
    ),
    // Diagnostics (printed, not asserted): leases lost by workers that were alive, i.e. not explained by the kill.
    // Before the kill every worker was alive; after it, the sweep's message names the worker that lost the lease.
    leaseLossesBeforeKill: await one(
      sql`SELECT count(DISTINCT j.id)::int AS n FROM jobs j, jsonb_array_elements(j.errors) e
          WHERE e->>'class' = 'LeaseExpired' AND (e->>'at')::timestamptz < ${stoppedAt}::timestamptz`,
    ),
    leaseLossesOfSurvivors: await one(
      sql`SELECT count(DISTINCT j.id)::int AS n FROM jobs j, jsonb_array_elements(j.errors) e
          WHERE e->>'class' = 'LeaseExpired' AND (e->>'at')::timestamptz >= ${stoppedAt}::timestamptz
            AND position(${victimId} in e->>'message') = 0`,
    ),
    effectsByPid: Object.fromEntries(byPid.rows.map((r) => [r.pid, r.n])),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
