/**
 * Ingest first (inbound-priority.ts): while inbound requests arrive faster than the configured rate, this process
 * acknowledges them and its processing jobs wait; once the burst is over every stored request is processed, once,
 * by one run per workspace, whatever the number of jobs the writes enqueued; on the embedded database a write made
 * while that run goes on enqueues no job at all.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhooksModule } from '../../src/server/modules/webhooks/index.js';
import { TestClock } from '../../src/server/platform/clock.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';
import { settle, standardWebhookSender } from './webhooks.fixture.js';

const clock = new TestClock(Date.now() + 2_000);
let t: TestApp;
let ws: SeededWorkspace;

beforeAll(async () => {
  t = await createTestApp({
    clock,
    roles: ['api', 'worker'],
    env: { SWITCHBOARD_WEBHOOK_INGEST_FIRST_RATE: '10' },
  });
  ws = await seedWorkspace(t.db, clock, 'ingest-first');
});
afterAll(() => t?.close());

describe('inbound webhooks under a burst', () => {
  it('are all answered first and all processed after, by one run per workspace that later writes join', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/endpoints',
      headers: { authorization: `Bearer ${ws.tokens.admin}` },
      payload: { name: 'burst', scheme: 'standard_webhooks' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const ep = created.json<{ id: string; secret: string }>();
    const sender = standardWebhookSender(t, ep);
    const send = (i: number) => sender(`msg_first_${i}`, { i });
    // 40 requests in three writes: well above 10/s.
    const replies = [
      ...(await Promise.all(Array.from({ length: 20 }, (_, i) => send(i)))),
      ...(await Promise.all(Array.from({ length: 10 }, (_, i) => send(20 + i)))),
      ...(await Promise.all(Array.from({ length: 10 }, (_, i) => send(30 + i)))),
    ];
    expect(replies.map((r) => r.statusCode)).toEqual(Array(40).fill(200));
    const priority = (t.sb.modules.find((m) => m.name === 'webhooks') as WebhooksModule).context
      .ingestPriority;
    expect(priority.shouldDefer()).toBe(true);

    // The jobs run now: the first waits until the inbound rate falls (about a second), the others coalesce into it.
    const settling = settle(t);
    const jobs = async (state?: string) =>
      Number(
        (
          await sql<{ n: string }>`SELECT count(*)::text AS n FROM jobs
            WHERE name = 'webhooks.process_inbound' AND (${state ?? null}::text IS NULL OR state = ${state ?? null})`.execute(
            t.db.kysely,
          )
        ).rows[0]!.n,
      );
    for (let i = 0; i < 100 && (await jobs('running')) === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await jobs('running')).toBeGreaterThan(0);
    // Stored while that run waits: on the embedded database (one session) the run is bound to look again after
    // this commit, so no job is enqueued for them; on PostgreSQL each write still enqueues its own.
    const before = await jobs();
    const late = await Promise.all(Array.from({ length: 10 }, (_, i) => send(40 + i)));
    expect(late.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    if (t.db.kind === 'pglite') expect(await jobs()).toBe(before);
    else expect(await jobs()).toBeGreaterThan(before);
    await settling;
    await settle(t);
    expect(priority.deferredMs).toBeGreaterThan(0);
    const rows = await sql<{ status: string; n: string; emitted: string }>`
      SELECT status, count(*)::text AS n, sum(events_emitted)::text AS emitted
      FROM inbound_webhooks WHERE source_id = ${ep.id} GROUP BY status`.execute(t.db.kysely);
    expect(rows.rows).toEqual([{ status: 'processed', n: '50', emitted: '50' }]);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /switchboard_webhook_inbound_processing_deferred_seconds_total [0-9.]*[1-9]/,
    );
  });
});
