/**
 * One worker process for the kill test: `node --import tsx queue-kill.worker.ts <postgres-url> <concurrency>`.
 * Opens the database, runs the kill-test catalog with a short lease, prints one JSON line `{"ready":true,…}` when it
 * is claiming, and on SIGTERM stops gracefully (in-flight jobs finish or are released) and exits 0.
 * Arguments, not env vars: only src/server/config.ts reads process.env.
 */
import { openDatabase } from '../../src/server/platform/db/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createWorker } from '../../src/server/platform/queue/index.js';
import { defineKillTestJobs, KILL_HEARTBEAT_MS } from './queue-kill.jobs.js';

async function runWorkerProcess(url: string, concurrency: number): Promise<void> {
  const db = await openDatabase({ url, poolSize: 8, applicationName: `queue-kill-${process.pid}` });
  const worker = createWorker({
    db,
    catalog: defineKillTestJobs(db, process.pid),
    logger: silentLogger(),
    concurrency,
    heartbeatMs: KILL_HEARTBEAT_MS,
    pollMs: 250,
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void worker
      .stop(5_000)
      .then(() => db.close())
      .then(
        () => process.exit(0),
        (e: unknown) => {
          console.error(e);
          process.exit(1);
        },
      );
  });
  await worker.start();
  process.stdout.write(JSON.stringify({ ready: true, workerId: worker.id, pid: process.pid }) + '\n');
}

const [url, concurrency] = process.argv.slice(2);
if (!url) {
  console.error('usage: queue-kill.worker.ts <postgres-url> [concurrency]');
  process.exit(2);
}
runWorkerProcess(url, Number(concurrency ?? 10)).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
