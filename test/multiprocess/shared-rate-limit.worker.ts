/**
 * One "worker process" for the shared rate limit test:
 * `node --import tsx shared-rate-limit.worker.ts <postgres-url> <connection-id> <calls> <lease-ms> <rate-limit-json>`.
 * Opens its own database pool and `ConnectionRuntimes` with shared rate limits (as `switchboard serve --role worker`
 * does on PostgreSQL), prints `{"ready":true}`, waits for a `go` line on stdin so the processes start together, makes
 * `calls` concurrent calls through the connection and prints `{"done":true,…}` with the outcome.
 * Arguments, not env vars: only src/server/config.ts reads process.env.
 */
import { createInterface } from 'node:readline';
import type { RateLimitPolicy } from '../../src/server/connectors/index.js';
import { openDatabase } from '../../src/server/platform/db/index.js';
import { hammer, openMarketoConnection } from '../integration/shared-limit.fixture.js';

async function run(
  url: string,
  connectionId: string,
  calls: number,
  leaseMs: number,
  rateLimit: RateLimitPolicy,
) {
  const db = await openDatabase({ url, poolSize: 4, applicationName: `shared-limit-${process.pid}` });
  const handle = await openMarketoConnection(db, connectionId, { shared: true, rateLimit, leaseMs });
  process.stdout.write(JSON.stringify({ ready: true, pid: process.pid }) + '\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === 'go') break;
  const result = await hammer(handle, calls);
  process.stdout.write(JSON.stringify({ done: true, ...result }) + '\n');
  lines.close();
  await db.close();
}

const [url, connectionId, calls, leaseMs, rateLimit] = process.argv.slice(2);
if (!url || !connectionId || !calls || !leaseMs || !rateLimit) {
  console.error(
    'usage: shared-rate-limit.worker.ts <postgres-url> <connection-id> <calls> <lease-ms> <rate-limit-json>',
  );
  process.exit(2);
}
run(url, connectionId, Number(calls), Number(leaseMs), JSON.parse(rateLimit) as RateLimitPolicy).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
