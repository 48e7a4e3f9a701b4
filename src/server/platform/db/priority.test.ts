import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteDialect } from './pglite-dialect.js';
import { inBackground, runInBackground } from './priority.js';

let pg: PGlite;
beforeAll(async () => {
  pg = await PGlite.create();
});
afterAll(() => pg.close());

/** Holds the session in a transaction until `release()`, queues the given work behind it, returns the run order. */
async function orderBehindHeldSession(
  starvationMs: number,
  queue: { label: string; background: boolean }[],
): Promise<string[]> {
  const db = new Kysely<unknown>({
    dialect: new PGliteDialect({ pglite: pg, backgroundStarvationMs: starvationMs }),
  });
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held!: () => void;
  const holding = new Promise<void>((r) => (held = r));
  const holder = db.transaction().execute(async (tx) => {
    await sql`SELECT 1`.execute(tx);
    held();
    await gate;
  });
  await holding;
  const queued = queue.map((q) => {
    const run = () => sql`SELECT 1`.execute(db).then(() => order.push(q.label));
    return q.background ? runInBackground(run) : run();
  });
  // Let every query reach the lock before the holder lets go.
  await new Promise((r) => setTimeout(r, 20));
  release();
  await Promise.all([holder, ...queued]);
  await db.destroy();
  return order;
}

describe('the embedded session scheduler', () => {
  it('marks background work and everything it schedules', async () => {
    expect(inBackground()).toBe(false);
    const seen = await runInBackground(async () => {
      await new Promise((r) => setTimeout(r, 1));
      return inBackground();
    });
    expect(seen).toBe(true);
    expect(inBackground()).toBe(false);
  });

  it('serves waiting foreground work before background work queued earlier', async () => {
    const order = await orderBehindHeldSession(60_000, [
      { label: 'bg1', background: true },
      { label: 'bg2', background: true },
      { label: 'fg1', background: false },
      { label: 'fg2', background: false },
    ]);
    expect(order).toEqual(['fg1', 'fg2', 'bg1', 'bg2']);
  });

  it('still serves starved background work while foreground work waits', async () => {
    const order = await orderBehindHeldSession(0, [
      { label: 'fg1', background: false },
      { label: 'bg1', background: true },
      { label: 'fg2', background: false },
    ]);
    expect(order[0]).toBe('bg1');
    expect(order).toHaveLength(3);
  });
});
