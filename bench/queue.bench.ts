/**
 * `npm run bench -- queue [--quick]`: our durable queue against pg-boss and graphile-worker on the same
 * PostgreSQL in the same run (each in its own scratch database, dropped at the end), and ours on PGlite in memory
 * and file-backed in a temp directory. Systems run one after another, never at the same time.
 *
 * Targets (informative, never a failing exit): on PostgreSQL ours processes ≥ 1.5× graphile-worker's best variant
 * and ≥ 3× pg-boss's best; on PGlite ours processes ≥ 10,000 jobs/s.
 */
import pg from 'pg';
import { describeHost, type Bench, type BenchOptions } from './support/bench.js';
import { now } from './support/measure.js';
import { writeResults } from './support/report.js';
import { createScratchDatabase, createTempDir, type ScratchDatabase } from './support/scratch-db.js';
import { openGraphileWorkerSystem } from './queue/graphile-worker.system.js';
import { openOursOnPglite, openOursOnPostgres } from './queue/ours.system.js';
import { openPgBossSystem } from './queue/pg-boss.system.js';
import type { QueueSystem } from './queue/queue-system.js';
import {
  evaluateTargets,
  printQueueResults,
  printTargets,
  type Platform,
  type ResultRow,
  type Scenario,
} from './queue/queue-report.js';
import {
  BENCH_QUEUES,
  measureEnqueueMany,
  measureEnqueueOne,
  measureOutbox,
  measurePickupLatency,
  measureProcessing,
  type ScenarioSizes,
} from './queue/queue-scenarios.js';

const FULL: ScenarioSizes = {
  single: 2_000,
  batched: 20_000,
  batchSize: 1_000,
  outbox: 2_000,
  processed: 20_000,
  concurrency: 10,
  processBudgetMs: 15_000,
  pickupJobs: 50,
  pickupGapMs: 20,
};

/** CI smoke run: every system and scenario, small N, short budgets (< 1 min on an idle 2-core box). */
const QUICK: ScenarioSizes = {
  single: 100,
  batched: 2_000,
  batchSize: 1_000,
  outbox: 100,
  processed: 2_000,
  concurrency: 10,
  processBudgetMs: 2_000,
  pickupJobs: 10,
  pickupGapMs: 20,
};

/** A system to measure: how to open it, on what, and how to clean up afterwards. */
interface SystemPlan {
  label: string;
  platform: Platform;
  open(): Promise<{ system: QueueSystem; cleanup(): Promise<void> }>;
}

export const queueBench: Bench = { run: runQueueBench };

async function runQueueBench(opts: BenchOptions): Promise<void> {
  const sizes = opts.quick ? QUICK : FULL;
  const host = describeHost();
  console.log(
    `queue bench${opts.quick ? ' (--quick)' : ''}: node ${host.node}, ${host.cpus} × ${host.cpuModel}, ` +
      `load average ${host.loadavg1m} at start`,
  );
  const pgOk = await canConnect(opts.pgUrl);
  if (!pgOk) console.log(`PostgreSQL at ${redact(opts.pgUrl)} is unreachable: measuring PGlite only.`);
  const rows: ResultRow[] = [];
  for (const plan of planSystems(opts.pgUrl, pgOk)) {
    const started = now();
    const { system, cleanup } = await plan.open();
    try {
      rows.push(...(await measureSystem(system, plan.platform, sizes)));
    } finally {
      try {
        await system.close();
      } finally {
        await cleanup();
      }
    }
    console.log(`  measured ${plan.label} in ${((now() - started) / 1000).toFixed(1)} s`);
  }
  console.log('');
  printQueueResults(rows, sizes.concurrency, sizes.batchSize);
  const targets = evaluateTargets(rows);
  console.log('');
  printTargets(targets);
  if (opts.quick) {
    console.log(
      '--quick is a smoke run: with N this small, batching variants take the whole queue in one or two fetches, ' +
        'so ratios mean little. Use the full run for figures.',
    );
  }
  const endHost = describeHost();
  console.log(
    `\nload average ${endHost.loadavg1m} at end (a shared box skews every system; compare within one run)`,
  );
  const path = writeResults('queue', {
    at: new Date().toISOString(),
    quick: opts.quick,
    host,
    loadavgAtEnd: endHost.loadavg1m,
    sizes,
    rows,
    targets,
  });
  console.log(`Results written to ${path}`);
}

function planSystems(pgUrl: string, pgOk: boolean): SystemPlan[] {
  const onScratch = (name: string, open: (s: ScratchDatabase) => Promise<QueueSystem>) => async () => {
    const scratch = await createScratchDatabase(pgUrl, name);
    try {
      return { system: await open(scratch), cleanup: () => scratch.drop() };
    } catch (e) {
      await scratch.drop();
      throw e;
    }
  };
  const queues = Object.values(BENCH_QUEUES);
  const pgPlans: SystemPlan[] = [
    {
      label: 'ours on PostgreSQL',
      platform: 'postgres',
      open: onScratch('sb_bench_ours', openOursOnPostgres),
    },
    {
      label: 'pg-boss on PostgreSQL',
      platform: 'postgres',
      open: onScratch('sb_bench_pgboss', (s) => openPgBossSystem(s, queues)),
    },
    {
      label: 'graphile-worker on PostgreSQL',
      platform: 'postgres',
      open: onScratch('sb_bench_graphile', openGraphileWorkerSystem),
    },
  ];
  const pglitePlans: SystemPlan[] = [
    {
      label: 'ours on PGlite (memory)',
      platform: 'pglite-memory',
      open: async () => ({ system: await openOursOnPglite('memory://'), cleanup: async () => {} }),
    },
    {
      label: 'ours on PGlite (file)',
      platform: 'pglite-file',
      open: async () => {
        const dir = createTempDir('sb-bench-pglite-');
        try {
          return { system: await openOursOnPglite(dir.path), cleanup: async () => dir.remove() };
        } catch (e) {
          dir.remove();
          throw e;
        }
      },
    },
  ];
  return pgOk ? [...pgPlans, ...pglitePlans] : pglitePlans;
}

async function measureSystem(
  system: QueueSystem,
  platform: Platform,
  sizes: ScenarioSizes,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const add = (scenario: Scenario, variant: string | null, result: ResultRow['result']) =>
    rows.push({ system: system.label, platform, anchor: system.anchor, scenario, variant, result });
  add('enqueue', null, await measureEnqueueOne(system, sizes));
  add('enqueueMany', null, await measureEnqueueMany(system, sizes));
  add('outbox', null, await measureOutbox(system, sizes));
  for (const variant of system.variants) {
    add('process', variant.label, await measureProcessing(system, variant, sizes));
    add('pickup', variant.label, await measurePickupLatency(system, variant, sizes));
  }
  return rows;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
