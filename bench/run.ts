/**
 * `npm run bench -- <name> [--quick]`: runs one benchmark and prints its table; with no name, lists them.
 *
 * Adding a benchmark is one file `bench/<name>.bench.ts` exporting a `Bench` and one line in `BENCHES` below.
 * Benchmarks are informative: they print numbers and PASS/MISS against targets but exit 0 either way, so a noisy
 * shared box never fails CI. A crash (the benchmark could not run at all) still exits non-zero.
 */
import { parseArgs } from 'node:util';
import { readBenchDatabaseUrl, type Bench } from './support/bench.js';

/** name → description and loader; lazy so listing benches does not load every anchor library. */
const BENCHES: Record<string, { description: string; load: () => Promise<Bench> }> = {
  queue: {
    description: 'durable job queue vs pg-boss and graphile-worker (PostgreSQL) and on PGlite (memory, file)',
    load: async () => (await import('./queue.bench.js')).queueBench,
  },
  content: {
    description:
      'write latency at a fixed rate over HTTP, event → SSE latency, product → 1,000 bundles propagation',
    load: async () => (await import('./content.bench.js')).contentBench,
  },
  webhooks: {
    description:
      'inbound webhooks: 2,000 signed requests/s for 10 s (autocannon, paced), twice; p99, lost (2xx vs stored), 5xx',
    load: async () => (await import('./webhooks.bench.js')).webhooksBench,
  },
  web: {
    description: 'web app: main bundle gzip size and first load in Chromium against the embedded server',
    load: async () => (await import('./web.bench.js')).webBench,
  },
};

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const name = positionals[0];
  if (!name || values.help) {
    printBenches();
    return;
  }
  const entry = BENCHES[name];
  if (!entry) {
    console.error(`Unknown bench "${name}".`);
    printBenches();
    process.exitCode = 2;
    return;
  }
  const bench = await entry.load();
  await bench.run({ quick: values.quick, pgUrl: readBenchDatabaseUrl() });
}

function printBenches(): void {
  console.log('Usage: npm run bench -- <name> [--quick]\n\nAvailable benches:');
  for (const [name, entry] of Object.entries(BENCHES))
    console.log(`  ${name.padEnd(12)} ${entry.description}`);
  console.log('\nEnvironment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
