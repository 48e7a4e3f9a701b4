/**
 * Ledger chaos across processes (issue 4, PostgreSQL only): kill the worker during in-flight deliveries, restart
 * it, and check that no delivery is lost and no external object is doubled, counting objects in the vendor
 * sandboxes (never in our database).
 *
 * Set-up: this process runs the api role and the HubSpot and Marketo sandboxes; it publishes POSTS blog posts,
 * each with five destinations (four HubSpot connections with their own blogs and tokens, one Marketo
 * `createCampaign`), so the `deliveries.publish` consumer of the worker node fans them out into deliveries, each
 * connection's in its own ordering lane. The connections are paced by their rate limit so the run takes seconds.
 *
 * Chaos: once the lanes are moving, the sandboxes' fault controllers make four requests hang (never answered):
 * - the read-back that ends a HubSpot publish (the post was created and pushed live: the vendor holds the whole
 *   effect, the ledger has not recorded it) → reconcile finds the live post → `reconciled`;
 * - a HubSpot push-live (the post exists, but only as a DRAFT: half the effect) → reconcile must NOT take the draft
 *   for the effect → a new attempt finds the draft by its marker and pushes it live (no second post);
 * - a HubSpot create and a Marketo program create (no effect yet) → not found → a new attempt creates it.
 * When all four are hanging, the worker node is frozen (SIGSTOP, so the in-flight count is exact), counted, and
 * killed (SIGKILL). The fifth lane (a HubSpot connection without a hanging call) is killed wherever it happens to be.
 *
 * Recovery: the killed node's job leases would expire after the attempt job's 2-minute lease; the test expires
 * them now (only the dead node's rows), and the replacement node's own heartbeat sweep reclaims them. Its attempt
 * job finds each delivery still `in_flight`, closes the attempt as `worker_lost`, moves it to `unknown` and the
 * `delivery.reconcile` job asks the vendor by idempotency marker: found → `reconciled`, not found → a new attempt.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, readTestEnv } from '../../src/server/config.js';
import { markerMeta } from '../../src/server/connectors/hubspot/mapping.js';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';
import { hasMarker } from '../../src/server/connectors/marketo/mapping.js';
import {
  startMarketoSandbox,
  type MarketoSandbox,
} from '../../src/server/connectors/marketo/sandbox/index.js';
import type { ActiveFault } from '../../src/server/connectors/sandbox-kit/index.js';
import { createSwitchboard, type Switchboard } from '../../src/server/main.js';
import { openDatabase, type Db } from '../../src/server/platform/db/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { seedWorkspace, type SeededWorkspace } from '../integration/auth-app.fixture.js';
import { WallClock } from '../integration/deliveries.fixture.js';
import { clonePgDatabase, createPgTemplate, dropPgTemplate } from '../support/pg-template.js';
import { pollUntil, spawnWorkerProcess, waitForExit, type WorkerProcess } from './worker-process.js';

const POSTS = 8;
const HUBSPOT_CONNECTIONS = 4;
const DELIVERIES = POSTS * (HUBSPOT_CONNECTIONS + 1);
/** Pacing: a HubSpot publish is 4 calls (find, create, push-live, get), a Marketo program 1–2. */
const HUBSPOT_PACE = { requests: 20, windowMs: 1_000 };
const MARKETO_PACE = { requests: 5, windowMs: 1_000 };
/** Faults are armed once this many deliveries of the vendor succeeded (so the kill lands mid-run). */
const ARM_AFTER = { hubspot: 3, marketo: 2 };
/** Upper bounds only (a run takes 10–20 s); the machine running the suite may be shared and slow. */
const HANGING_TIMEOUT_MS = 60_000;
const RECOVERY_TIMEOUT_MS = 90_000;
const TERMINAL = ['succeeded', 'reconciled', 'failed'] as const;

const WORKER_SCRIPT = fileURLToPath(new URL('./ledger-kill.worker.ts', import.meta.url));
const { databaseUrl } = readTestEnv();

if (!databaseUrl) {
  console.warn(
    'ledger-kill: skipped — this multi-process test needs PostgreSQL; set TEST_DATABASE_URL=postgres://…',
  );
}

interface LedgerRow {
  id: string;
  connection_id: string;
  content_id: string;
  action: string;
  idempotency_key: string;
  status: string;
  external_id: string | null;
  generation: number;
  resolution: { by?: string; outcome?: string } | null;
}

describe.skipIf(!databaseUrl)('ledger: a worker killed mid-delivery (needs TEST_DATABASE_URL)', () => {
  const adminUrl = databaseUrl ?? '';
  let template = '';
  let clone: { url: string; drop: () => Promise<void> } | undefined;
  let db: Db;
  let api: Switchboard;
  let ws: SeededWorkspace;
  let hubspot: HubSpotSandbox;
  let marketo: MarketoSandbox;
  let workerEnv: Record<string, string>;
  const workers: WorkerProcess[] = [];
  const dataDirs: string[] = [];

  beforeAll(async () => {
    template = await createPgTemplate(adminUrl);
    clone = await clonePgDatabase(adminUrl, template);
    db = await openDatabase({ url: clone.url, poolSize: 4, applicationName: 'ledger-kill-parent' });
    const secretKey = Buffer.alloc(32, 9).toString('base64');
    const makeDataDir = (role: string) => {
      const dir = mkdtempSync(join(tmpdir(), `sb-ledger-kill-${role}-`));
      dataDirs.push(dir);
      return dir;
    };
    const env = (role: string) => ({
      SWITCHBOARD_LOG_LEVEL: 'silent',
      SWITCHBOARD_DATA_DIR: makeDataDir(role),
      SWITCHBOARD_SECRET_KEY: secretKey,
      SWITCHBOARD_CONFIG_FILE: '',
      DATABASE_URL: clone!.url,
      SWITCHBOARD_DB_POOL_SIZE: '6',
      SWITCHBOARD_WORKER_HEARTBEAT_MS: '300',
      SWITCHBOARD_SHUTDOWN_GRACE_MS: '2000',
      SWITCHBOARD_BREAKER_HALF_OPEN_MS: '400',
      SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '50',
      // Longer than the test waits: a hanging request is still in flight when the node is killed.
      SWITCHBOARD_CONNECTOR_TIMEOUT_MS: String(HANGING_TIMEOUT_MS + 30_000),
    });
    const apiEnv = env('api');
    workerEnv = env('worker');
    api = await createSwitchboard({
      config: loadConfig(apiEnv, apiEnv.SWITCHBOARD_DATA_DIR),
      clock: new WallClock(),
      logger: silentLogger(),
      db,
      roles: ['api'],
    });
    await api.http.ready();
    ws = await seedWorkspace(db, new WallClock(), 'ledgerkill');
    hubspot = await startHubSpotSandbox({ seed: false });
    marketo = await startMarketoSandbox({ onNotice: () => undefined });
  }, 120_000);

  afterAll(async () => {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await api?.stop();
    await db?.close();
    await hubspot?.close();
    await marketo?.close();
    await clone?.drop();
    if (template) await dropPgTemplate(adminUrl, template);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  const call = async (
    role: keyof SeededWorkspace['tokens'],
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    body?: unknown,
  ): Promise<LightMyRequestResponse> =>
    api.http.inject({
      method,
      url,
      headers: { authorization: `Bearer ${ws.tokens[role]}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });

  async function createConnection(body: Record<string, unknown>): Promise<string> {
    const res = await call('admin', 'POST', '/api/v1/connections', body);
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  }

  async function publishPost(n: number, destinations: { connectionId: string; action: string }[]) {
    const created = await call('editor', 'POST', '/api/v1/content', {
      type: 'blog_post',
      title: `Chaos launch ${n}`,
      slug: `chaos-launch-${n}`,
      body: `Post ${n} of the ledger kill test. Read more at https://example.com/chaos/${n}.`,
      tags: [],
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    const put = await call('editor', 'PUT', `/api/v1/content/${id}/destinations`, { destinations });
    expect(put.statusCode, put.body).toBe(200);
    for (const [role, action] of [
      ['editor', 'submit'],
      ['reviewer', 'approve'],
      ['publisher', 'publish'],
    ] as const) {
      const item = (await call('viewer', 'GET', `/api/v1/content/${id}`)).json() as { version: number };
      const res = await call(role, 'POST', `/api/v1/content/${id}/transitions`, {
        action,
        expectedVersion: item.version,
      });
      expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
    }
    return id;
  }

  it('loses no delivery and doubles no vendor object when the worker dies mid-call', async () => {
    // Four HubSpot connections, each with its own blog (slugs are unique per blog) and token (budget per token).
    const blogs = [
      hubspot.blogId,
      ...Array.from(
        { length: HUBSPOT_CONNECTIONS - 1 },
        (_, i) => hubspot.store.addBlog(`Blog ${i + 2}`, `blog-${i + 2}`).id,
      ),
    ];
    const hubspotIds: string[] = [];
    for (const [i, blogId] of blogs.entries()) {
      hubspotIds.push(
        await createConnection({
          vendor: 'hubspot',
          name: `HubSpot ${i + 1}`,
          baseUrl: hubspot.url,
          sandbox: true,
          config: { blogId },
          credentials: { accessToken: hubspot.issuePrivateAppToken() },
          rateLimit: HUBSPOT_PACE,
        }),
      );
    }
    const marketoId = await createConnection({
      vendor: 'marketo',
      name: 'Marketo',
      baseUrl: marketo.url,
      sandbox: true,
      config: { programFolderId: 33, fileFolderId: 40, emailTemplateId: 1, defaultChannel: 'Content' },
      credentials: marketo.credentials,
      rateLimit: MARKETO_PACE,
    });
    const destinations = [
      ...hubspotIds.map((connectionId) => ({ connectionId, action: 'publishContent' })),
      { connectionId: marketoId, action: 'createCampaign' },
    ];
    const postIds: string[] = [];
    for (let n = 1; n <= POSTS; n++) postIds.push(await publishPost(n, destinations));

    const started = performance.now();
    const victim = await spawnWorker(workerEnv);
    workers.push(victim);

    // Once each vendor's lanes are moving, make four calls hang (each lane hangs on the first one it reaches).
    const vendorOf = (connectionId: string) => (connectionId === marketoId ? 'marketo' : 'hubspot');
    const armed: ActiveFault[] = [];
    const armedFor = { hubspot: false, marketo: false };
    const allHanging = await pollUntil(async () => {
      const done = await countSucceededByVendor(db, vendorOf);
      if (!armedFor.hubspot && done.hubspot >= ARM_AFTER.hubspot) {
        armedFor.hubspot = true;
        // After the effect: the post was created and pushed live; the read-back that ends the call never answers.
        armed.push(hubspot.faults.inject({ kind: 'hang', operation: 'cms.posts.get', times: 1 }));
        // Half the effect: the post was created as a draft; pushing it live never reaches the store.
        armed.push(hubspot.faults.inject({ kind: 'hang', operation: 'cms.posts.publish', times: 1 }));
        // Before the effect: the create never reaches the store.
        armed.push(hubspot.faults.inject({ kind: 'hang', operation: 'cms.posts.create', times: 1 }));
      }
      if (!armedFor.marketo && done.marketo >= ARM_AFTER.marketo) {
        armedFor.marketo = true;
        armed.push(marketo.faults.inject({ kind: 'hang', operation: 'asset.programs.create', times: 1 }));
      }
      return armed.length === 4 && armed.every((f) => f.hits === 1);
    }, HANGING_TIMEOUT_MS);
    expect(allHanging, `four calls hanging before the kill; ${await describeState(db, armed)}`).toBe(true);
    // Let the fifth lane (the HubSpot connection without a hanging call) get somewhere mid-call.
    await sleep(150);

    victim.child.kill('SIGSTOP');
    // Statements the victim had already sent still finish on the server; let them land before counting.
    await sleep(250);
    const atKill = await readLedger(db);
    const inFlightAtKill = atKill.filter((d) => d.status === 'in_flight');
    const succeededAtKill = atKill.filter((d) => d.status === 'succeeded').length;
    // In-flight deliveries whose object the vendor already holds: the case only reconciliation can settle.
    const effectDoneAtKill = inFlightAtKill.filter(
      (d) => objectsAtVendor(d, hubspot, marketo, marketoId).length > 0,
    ).length;
    // In-flight HubSpot deliveries whose post exists but is still a draft (create done, push-live not).
    const draftAtKill = inFlightAtKill.filter((d) => {
      const objects = objectsAtVendor(d, hubspot, marketo, marketoId);
      return d.connection_id !== marketoId && objects.length > 0 && objects.every((o) => !o.live);
    });
    victim.child.kill('SIGKILL');
    const victimExit = await victim.exited;
    const killedAtMs = performance.now() - started;

    // The dead node's leases would lapse after the attempt job's lease (2 min); skip that wait for its rows only.
    const heldByVictim = await expireLeasesOf(db, victim.workerId);

    const replacement = await spawnWorker(workerEnv);
    workers.push(replacement);
    const finished = await pollUntil(async () => {
      const rows = await readLedger(db);
      return (
        rows.length === DELIVERIES && rows.every((d) => (TERMINAL as readonly string[]).includes(d.status))
      );
    }, RECOVERY_TIMEOUT_MS);
    const durationMs = performance.now() - started;
    replacement.child.kill('SIGTERM');
    const replacementExit = await waitForExit(replacement, 15_000);

    const ledger = await readLedger(db);
    const byStatus = countBy(ledger, (d) => d.status);
    const reconciledRows = ledger.filter((d) => d.status === 'reconciled');
    const retriedAfterReconcile = ledger.filter((d) => d.resolution?.outcome === 'not_found').length;
    const workerLost = await countWorkerLostAttempts(db);
    console.log(
      'ledger-kill:',
      JSON.stringify({
        deliveries: ledger.length,
        succeededAtKill,
        inFlightAtKill: inFlightAtKill.length,
        effectDoneAtKill,
        draftAtKill: draftAtKill.length,
        heldByVictim,
        workerLost,
        reconciled: reconciledRows.length,
        retriedAfterReconcile,
        statuses: byStatus,
        killedAtMs: Math.round(killedAtMs),
        durationMs: Math.round(durationMs),
      }),
    );
    if (!finished) console.error(`ledger-kill: not all terminal; ${await describeState(db, armed)}`);

    expect(victimExit.signal).toBe('SIGKILL');
    expect(finished, 'every delivery terminal after the restart').toBe(true);
    // The kill landed mid-run: some done, the four hanging calls (at least) in flight, one with its effect done and
    // one with only a draft.
    expect(succeededAtKill).toBeGreaterThan(0);
    expect(succeededAtKill).toBeLessThan(DELIVERIES);
    expect(inFlightAtKill.length).toBeGreaterThanOrEqual(4);
    expect(effectDoneAtKill).toBeGreaterThanOrEqual(2);
    expect(draftAtKill.length).toBeGreaterThanOrEqual(1);

    // No delivery lost: exactly one per (post, destination), each done with an external id.
    expect(ledger).toHaveLength(DELIVERIES);
    for (const postId of postIds)
      for (const dest of destinations)
        expect(
          ledger.filter((d) => d.content_id === postId && d.connection_id === dest.connectionId),
        ).toHaveLength(1);
    for (const d of ledger) {
      expect(['succeeded', 'reconciled'], `${d.id}: ${d.status}`).toContain(d.status);
      expect(d.external_id, d.id).not.toBeNull();
    }
    // Every delivery the kill left in flight was settled by reconciliation (never a blind retry).
    const final = new Map(ledger.map((d) => [d.id, d]));
    for (const d of inFlightAtKill) {
      expect(final.get(d.id)!.resolution, `${d.id} reconciled or retried by reconcile`).toMatchObject({
        by: 'reconcile',
      });
    }
    expect(workerLost).toBeGreaterThanOrEqual(inFlightAtKill.length);
    expect(reconciledRows.length).toBeGreaterThanOrEqual(1);
    // A draft is half a publish: reconcile did not call it done; a new attempt pushed that same post live.
    for (const d of draftAtKill) {
      expect(final.get(d.id), `${d.id}: the draft finished by a retry`).toMatchObject({
        status: 'succeeded',
        resolution: { by: 'reconcile', outcome: 'not_found' },
      });
    }

    // The vendors hold exactly one object per delivery, and it is the one the ledger points at.
    for (const d of ledger) {
      const objects = objectsAtVendor(d, hubspot, marketo, marketoId);
      expect(
        objects.map((o) => o.id),
        `${d.id} (${d.status}) at ${vendorOf(d.connection_id)}`,
      ).toEqual([d.external_id]);
      // A publish means live, not a draft left behind by the interrupted attempt.
      if (vendorOf(d.connection_id) === 'hubspot')
        expect(objects[0]!.live, `${d.id} (${d.status}) is live`).toBe(true);
    }
    expect(hubspot.store.posts.size).toBe(POSTS * HUBSPOT_CONNECTIONS);
    expect(hubspot.violations()).toBe(0);
    expect(marketo.violations()).toBe(0);
    expect(replacementExit).toEqual({ code: 0, signal: null });
  });
});

/** The vendor objects carrying the delivery's idempotency marker, read from the sandbox's own state. */
function objectsAtVendor(
  d: LedgerRow,
  hubspot: HubSpotSandbox,
  marketo: MarketoSandbox,
  marketoId: string,
): { id: string; live: boolean }[] {
  if (d.connection_id === marketoId) {
    return [...marketo.store.programs.values()]
      .filter((p) => hasMarker(p.description, d.idempotency_key))
      .map((p) => ({ id: String(p.id), live: true }));
  }
  const meta = markerMeta(d.idempotency_key);
  return [...hubspot.store.posts.values()]
    .filter((p) => p.headHtml.includes(meta))
    .map((p) => ({ id: p.id, live: p.currentlyPublished }));
}

const spawnWorker = (env: Record<string, string>): Promise<WorkerProcess> =>
  spawnWorkerProcess(WORKER_SCRIPT, [JSON.stringify(env)]);

async function readLedger(db: Db): Promise<LedgerRow[]> {
  const r = await sql<LedgerRow>`
    SELECT id, connection_id, content_id, action, idempotency_key, status, external_id, generation, resolution
    FROM deliveries ORDER BY created_at, id`.execute(db.kysely);
  return r.rows;
}

async function countSucceededByVendor(
  db: Db,
  vendorOf: (connectionId: string) => 'hubspot' | 'marketo',
): Promise<{ hubspot: number; marketo: number }> {
  const r = await sql<{ connection_id: string; n: number }>`
    SELECT connection_id, count(*)::int AS n FROM deliveries WHERE status = 'succeeded'
    GROUP BY connection_id`.execute(db.kysely);
  const out = { hubspot: 0, marketo: 0 };
  for (const row of r.rows) out[vendorOf(row.connection_id)] += row.n;
  return out;
}

async function countWorkerLostAttempts(db: Db): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM delivery_attempts WHERE outcome = 'worker_lost'`.execute(db.kysely);
  return r.rows[0]!.n;
}

/** Ends the dead node's leases now (what the clock would do in `lease_ms`); returns how many jobs it held. */
async function expireLeasesOf(db: Db, workerId: string): Promise<number> {
  const r = await sql`
    UPDATE jobs SET locked_until = now() - interval '1 millisecond'
    WHERE state = 'running' AND locked_by = ${workerId}`.execute(db.kysely);
  return Number(r.numAffectedRows ?? 0);
}

/** Diagnostics for a failure: statuses, the faults armed, the latest errors and the jobs that are not blocked. */
async function describeState(db: Db, armed: readonly ActiveFault[]): Promise<string> {
  const errors = await sql<{ status: string; last_error: unknown }>`
    SELECT status, last_error FROM deliveries WHERE last_error IS NOT NULL
    ORDER BY updated_at DESC LIMIT 4`.execute(db.kysely);
  const jobs = await sql<{ name: string; state: string; n: number }>`
    SELECT name, state, count(*)::int AS n FROM jobs WHERE state <> 'blocked' GROUP BY name, state`.execute(
    db.kysely,
  );
  return JSON.stringify({
    statuses: countBy(await readLedger(db), (d) => d.status),
    faults: armed.map((f) => ({ ...f.spec, hits: f.hits })),
    errors: errors.rows,
    jobs: jobs.rows,
  });
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
