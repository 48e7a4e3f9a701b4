/**
 * Roles across processes (PostgreSQL only): an api node, a worker node and a scheduler node run as separate
 * `switchboard serve --role …` processes on one database. Each answers /ready; a job enqueued from outside is run
 * by the worker node; the scheduler node holds the cron leader lock; SIGTERM stops each with exit code 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTestEnv } from '../../src/server/config.js';
import { openDatabase, type Db } from '../../src/server/platform/db/index.js';
import { defineQueueMaintenanceJobs, enqueue, getJob } from '../../src/server/platform/queue/index.js';
import { SCHEDULER_LOCK_KEY } from '../../src/server/platform/queue/scheduler.js';
import { systemClock } from '../../src/server/platform/clock.js';
import { startServerProcess, waitForStatus, type ServerProcess } from '../support/spawn-server.js';
import { clonePgDatabase, createPgTemplate, dropPgTemplate } from '../support/pg-template.js';

const { databaseUrl } = readTestEnv();
if (!databaseUrl)
  console.warn('roles: skipped — splitting roles across processes needs PostgreSQL; set TEST_DATABASE_URL');

describe.skipIf(!databaseUrl)('serve --role across processes (needs TEST_DATABASE_URL)', () => {
  let template = '';
  let clone: { url: string; drop: () => Promise<void> };
  let db: Db;
  const nodes: Record<'api' | 'worker' | 'scheduler', ServerProcess> = {} as never;

  beforeAll(async () => {
    template = await createPgTemplate(databaseUrl!);
    clone = await clonePgDatabase(databaseUrl!, template);
    db = await openDatabase({ url: clone.url, poolSize: 2 });
    const env = (role: string) => ({
      DATABASE_URL: clone.url,
      SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), `sb-role-${role}-`)),
      SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
      SWITCHBOARD_DB_POOL_SIZE: '3',
      SWITCHBOARD_WORKER_HEARTBEAT_MS: '500',
    });
    const [api, worker, scheduler] = await Promise.all(
      (['api', 'worker', 'scheduler'] as const).map((role) =>
        startServerProcess({ env: env(role), args: ['--role', role] }),
      ),
    );
    Object.assign(nodes, { api, worker, scheduler });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()));
    await db?.close();
    await clone?.drop();
    if (template) await dropPgTemplate(databaseUrl!, template);
  });

  it('serves /ready on every node; only the api node serves the API', async () => {
    for (const node of Object.values(nodes)) await waitForStatus(`${node.url}/ready`);
    const workerReady = (await (await fetch(`${nodes.worker.url}/ready`)).json()) as {
      checks: { name: string }[];
    };
    expect(workerReady.checks.map((c) => c.name)).toContain('worker');
    expect((await fetch(`${nodes.api.url}/api/openapi.json`)).status).toBe(200);
    expect((await fetch(`${nodes.worker.url}/api/openapi.json`)).status).toBe(404);
    expect((await fetch(`${nodes.scheduler.url}/api/v1/jobs`)).status).toBe(404);
  });

  it('runs a job enqueued elsewhere on the worker node', async () => {
    const catalog = defineQueueMaintenanceJobs({ db, clock: systemClock });
    const { id } = await enqueue(db.kysely, catalog, 'queue.prune', {});
    const deadline = Date.now() + 20_000;
    let state = '';
    while (Date.now() < deadline) {
      state = (await getJob(db.kysely, id)).state;
      if (state === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('completed');
    const workers = await db.kysely.selectFrom('queue_workers').select('id').execute();
    expect(workers).toHaveLength(1);
  });

  it('the scheduler node holds the cron leader lock', async () => {
    const deadline = Date.now() + 10_000;
    let holders: { application_name: string }[] = [];
    while (Date.now() < deadline) {
      const r = await sql<{ application_name: string }>`
        SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.objid = ${SCHEDULER_LOCK_KEY} AND l.granted AND a.datname = current_database()`.execute(
        db.kysely,
      );
      holders = r.rows;
      if (holders.length) break;
      await new Promise((r2) => setTimeout(r2, 200));
    }
    expect(holders.map((h) => h.application_name)).toEqual(['switchboard-scheduler']);
  });

  it('stops every node with exit code 0 on SIGTERM', async () => {
    const codes = await Promise.all(Object.values(nodes).map((n) => n.stop()));
    expect(codes).toEqual([0, 0, 0]);
  });
});
