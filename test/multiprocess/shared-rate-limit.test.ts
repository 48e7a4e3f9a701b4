/**
 * A connection's rate limit across real processes (PostgreSQL only, ADR 0010): two worker processes, each with its
 * own pool and `ConnectionRuntimes`, call one Marketo sandbox (limit scaled down to 20 calls / 1 s, 4 concurrent):
 * - together they cause no 606 (window) and no 615 (concurrency) and all their calls succeed;
 * - one is killed with SIGKILL mid-run: the survivor still finishes — the dead process's slots free when their lease
 *   runs out — and still without a violation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTestEnv } from '../../src/server/config.js';
import {
  startMarketoSandbox,
  type MarketoSandbox,
} from '../../src/server/connectors/marketo/sandbox/index.js';
import { createWorkspace } from '../../src/server/platform/auth/index.js';
import { openDatabase, type Db } from '../../src/server/platform/db/index.js';
import { clonePgDatabase, createPgTemplate, dropPgTemplate } from '../support/pg-template.js';
import { insertMarketoConnection, type HammerResult } from '../integration/shared-limit.fixture.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./shared-rate-limit.worker.ts', import.meta.url));
const RATE_LIMIT = { requests: 20, windowMs: 1000, concurrency: 4 };
const LEASE_MS = 1000;
const { databaseUrl } = readTestEnv();

if (!databaseUrl) {
  console.warn(
    'shared-rate-limit: skipped — sharing a rate limit between processes needs PostgreSQL; set TEST_DATABASE_URL',
  );
}

interface Worker {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  done: Promise<HammerResult>;
}

describe.skipIf(!databaseUrl)('shared rate limit across processes (needs TEST_DATABASE_URL)', () => {
  let template = '';
  let clone: { url: string; drop: () => Promise<void> };
  let db: Db;
  let workspaceId = '';
  const sandboxes: MarketoSandbox[] = [];
  const workers: Worker[] = [];

  beforeAll(async () => {
    template = await createPgTemplate(databaseUrl!);
    clone = await clonePgDatabase(databaseUrl!, template);
    db = await openDatabase({ url: clone.url, poolSize: 2 });
    workspaceId = (await createWorkspace(db.kysely, { slug: 'mp-limit', name: 'Multi-process limit' })).id;
  }, 120_000);

  afterAll(async () => {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(sandboxes.map((s) => s.close()));
    await db?.close();
    await clone?.drop();
    if (template) await dropPgTemplate(databaseUrl!, template);
  });

  async function setUp(
    name: string,
    latencyMs: number,
  ): Promise<{ sb: MarketoSandbox; connectionId: string }> {
    const sb = await startMarketoSandbox({
      rateLimit: { requests: RATE_LIMIT.requests, windowMs: RATE_LIMIT.windowMs },
      concurrency: RATE_LIMIT.concurrency,
      latencyMs,
    });
    sandboxes.push(sb);
    const c = await insertMarketoConnection(db, {
      workspaceId,
      name,
      baseUrl: sb.url,
      credentials: sb.credentials,
      rateLimit: RATE_LIMIT,
    });
    return { sb, connectionId: c.id };
  }

  async function spawnWorker(connectionId: string, calls: number): Promise<Worker> {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        WORKER_SCRIPT,
        clone.url,
        connectionId,
        String(calls),
        String(LEASE_MS),
        JSON.stringify(RATE_LIMIT),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const lines: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
        for (const w of waiters.splice(0)) w();
      }
    });
    const lineWith = (key: string, ms: number) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker printed no "${key}" in ${ms} ms`)), ms);
        const check = () => {
          const found = lines.find((l) => l[key] === true);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        void exited.then((e) => {
          clearTimeout(timer);
          reject(new Error(`worker exited before "${key}": ${JSON.stringify(e)}`));
        });
        check();
      });
    await lineWith('ready', 60_000);
    const done = lineWith('done', 120_000) as unknown as Promise<HammerResult>;
    done.catch(() => {}); // a killed worker never prints it
    const w = { child, exited, done };
    workers.push(w);
    return w;
  }

  const go = (w: Worker) => w.child.stdin!.write('go\n');

  it('two processes together cause no 606/615 and every call succeeds', async () => {
    const { sb, connectionId } = await setUp('two-processes', 15);
    const perProcess = 40;
    const pair = await Promise.all([
      spawnWorker(connectionId, perProcess),
      spawnWorker(connectionId, perProcess),
    ]);
    const started = performance.now();
    pair.forEach(go);
    const results = await Promise.all(pair.map((w) => w.done));
    const elapsedMs = performance.now() - started;
    expect(results.flatMap((r) => r.failed)).toEqual([]);
    expect(sb.limitViolations()).toMatchObject({ rate: 0, concurrency: 0 });
    expect(sb.log.count('asset.channels.list')).toBe(2 * perProcess);
    console.log(
      `two processes: ${2 * perProcess} calls in ${Math.round(elapsedMs)} ms ` +
        `(${RATE_LIMIT.requests} per ${RATE_LIMIT.windowMs} ms), peak concurrency ${sb.limitViolations().peakConcurrency}`,
    );
    for (const w of pair) expect(await w.exited).toEqual({ code: 0, signal: null });
  });

  it('a process killed mid-run leaves no slot behind for longer than its lease', async () => {
    // Slow calls, so the victim dies with every concurrency slot held by requests in flight.
    const { sb, connectionId } = await setUp('one-killed', 250);
    const [victim, survivor] = await Promise.all([
      spawnWorker(connectionId, 400),
      spawnWorker(connectionId, 40),
    ]);
    go(victim);
    // Let the victim take the whole budget (window and concurrency), then kill it with requests in flight.
    await new Promise((r) => setTimeout(r, 700));
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await new Promise((r) => setTimeout(r, 100)); // requests it had in flight reach the sandbox's log
    const held = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM connector_rate_slots
      WHERE connection_id = ${connectionId} AND kind = 'concurrency' AND holder IS NOT NULL AND free_at > now()`.execute(
      db.kysely,
    );
    expect(held.rows[0]!.n).toBeGreaterThan(0);
    const before = sb.log.count('asset.channels.list');
    go(survivor);
    const result = await survivor.done;
    expect(result.failed).toEqual([]);
    expect(sb.log.count('asset.channels.list')).toBe(before + 40);
    expect(sb.limitViolations()).toMatchObject({ rate: 0, concurrency: 0 });
    expect(await survivor.exited).toEqual({ code: 0, signal: null });
  });
});
