/**
 * `npm run bench -- webhooks [--quick]`: inbound webhook ingestion under load, on the embedded database.
 *
 * autocannon sends 2,000 signed webhooks/s for 10 s (3 s with --quick) to `POST /hooks/generic/{id}` of a real
 * server (its own process: createSwitchboard, every role, file-backed PGlite with fsync) — each with a unique body
 * and its HMAC-SHA256 header, so every one is verified, stored and has its processing job enqueued in one
 * transaction while the server's own worker processes them. Reported: achieved rate, latency p50/p99 (corrected
 * for coordinated omission), 2xx / 5xx / errors, and **lost** = 2xx answered − rows stored (must be 0), then how
 * long processing took to catch up.
 *
 * Target from the issue: 0 lost, 0 5xx, p99 < 20 ms.
 */
import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { describeHost, type Bench } from './support/bench.js';
import { printTable, writeResults } from './support/report.js';

const CHILD = fileURLToPath(new URL('./webhooks/server-child.ts', import.meta.url));
const RATE = 2_000;
const TARGET_P99_MS = 20;

interface Ready {
  ready: true;
  baseUrl: string;
  endpointId: string;
  secret: string;
}
interface Count {
  stored: number;
  processed: number;
  pendingJobs: number;
}

export const webhooksBench: Bench = {
  async run({ quick }) {
    const durationS = quick ? 3 : 10;
    const host = describeHost();
    console.log(
      `webhooks bench on ${host.cpus}× ${host.cpuModel}, node ${host.node}, load ${host.loadavg1m}`,
    );
    console.log(
      'server: embedded PGlite, file-backed with the fsync hook, all roles in one process (npm start)\n',
    );
    const child = fork(CHILD, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const messages: unknown[] = [];
    const waiters: ((m: unknown) => void)[] = [];
    child.on('message', (m) => {
      const w = waiters.shift();
      if (w) w(m);
      else messages.push(m);
    });
    const next = <T>(timeoutMs = 120_000) =>
      new Promise<T>((resolve, reject) => {
        const queued = messages.shift();
        if (queued !== undefined) return resolve(queued as T);
        const timer = setTimeout(() => reject(new Error('bench server did not answer in time')), timeoutMs);
        waiters.push((m) => {
          clearTimeout(timer);
          resolve(m as T);
        });
      });
    const count = async () => {
      child.send({ cmd: 'count' });
      return (await next<{ count: Count }>()).count;
    };
    try {
      const ready = await next<Ready>();
      const url = `${ready.baseUrl}/hooks/generic/${ready.endpointId}`;
      let n = 0;
      const result = await autocannon({
        url,
        method: 'POST',
        connections: 50,
        overallRate: RATE,
        duration: durationS,
        requests: [
          {
            setupRequest: (req) => {
              const body = JSON.stringify({ type: 'bench.event', n: ++n, at: Date.now() });
              const signature = createHmac('sha256', ready.secret).update(body).digest('hex');
              return {
                ...req,
                body,
                headers: { 'content-type': 'application/json', 'x-bench-signature': signature },
              };
            },
          },
        ],
      });
      const ok = result['2xx'];
      const fiveXx = result['5xx'];
      const after = await count();
      const caughtUpStart = Date.now();
      let c = after;
      while (c.processed < c.stored && Date.now() - caughtUpStart < 120_000) {
        await new Promise((r) => setTimeout(r, 250));
        c = await count();
      }
      // Counted once everything settled. Requests still in flight when the run ended are stored without a counted
      // 2xx (autocannon stops listening): lost only counts the reverse, a 2xx whose row does not exist.
      const lost = Math.max(0, ok - c.stored);
      const inFlightAtEnd = Math.max(0, c.stored - ok);
      const catchUpS = (Date.now() - caughtUpStart) / 1000;
      const achieved = Math.round(result.requests.total / durationS);
      printTable(
        [
          'scenario',
          'target rate/s',
          'achieved/s',
          'p50 ms',
          'p99 ms',
          '2xx',
          '5xx',
          'errors',
          'lost',
          'verdict',
        ],
        [
          [
            'POST /hooks/generic/:id (HMAC, store + job)',
            RATE,
            achieved,
            result.latency.p50,
            result.latency.p99,
            ok,
            fiveXx,
            result.errors + result.timeouts,
            lost,
            lost === 0 && fiveXx === 0 && result.latency.p99 < TARGET_P99_MS ? 'PASS' : 'MISS',
          ],
        ],
      );
      console.log(
        `\nprocessing: ${c.processed}/${c.stored} processed ${catchUpS.toFixed(1)} s after the load ended ` +
          `(${c.pendingJobs} jobs still queued); ${inFlightAtEnd} stored requests were in flight when the run ended`,
      );
      const file = writeResults('webhooks', {
        host,
        durationS,
        rate: RATE,
        achievedPerSecond: achieved,
        latency: result.latency,
        ok,
        fiveXx,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        stored: c.stored,
        lost,
        inFlightAtEnd,
        processed: c.processed,
        catchUpS,
      });
      console.log(`results: ${file}`);
    } finally {
      child.send({ cmd: 'stop' });
      await new Promise((r) => child.once('exit', r));
    }
  },
};
