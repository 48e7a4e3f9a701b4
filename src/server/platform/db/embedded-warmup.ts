/**
 * Warms the embedded database up before the server serves (ADR 0014).
 *
 * Why: PGlite is PostgreSQL compiled to WebAssembly. V8 first runs its functions as baseline (Liftoff) code and
 * compiles the hot ones with its optimizing compiler only after they have run a while, on background threads that
 * compete with the requests for the CPU. A server just started therefore runs its first seconds of traffic on slow
 * code: in the webhooks bench (`npm run bench -- webhooks`) the first burst against a fresh process had p99 30–100 ms
 * in its first two seconds and ~10 ms after. On a new data directory PGlite's initdb also leaves ~430 MB of
 * WebAssembly memory for the garbage collector, which the first burst paid for.
 *
 * What: one transaction, rolled back, that creates a scratch table shaped like the hottest write path (uuid key, a
 * unique pair, a foreign key, jsonb, bytea, timestamptz, a multi-column index), then repeats a multi-row
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING` and a keyed `UPDATE` through the normal driver
 * (prepared statements, parsers) for the time budget (V8 tiers functions up one by one over seconds; a round's time
 * does not flatten early enough to tell when to stop, so the budget is plain time). Nothing persists: the tables and
 * rows vanish with the rollback, and the prepared statements name a table no query of ours uses. It runs before the
 * server listens, so no request waits behind it.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

export interface WarmUpResult {
  /** Rounds run (one INSERT of ROWS rows and one UPDATE each). */
  rounds: number;
  ms: number;
  /** Mean time of a round over the first and the last WINDOW rounds. */
  firstRoundMs: number;
  lastRoundMs: number;
}

/** Rows per INSERT: about what the inbound group commit writes per transaction under a burst. */
const ROWS = 10;
/** Rounds averaged for the first and last round times reported. */
const WINDOW = 100;

class Rollback extends Error {}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- scratch tables outside the app's schema
export async function warmUpEmbedded(kysely: Kysely<any>, budgetMs: number): Promise<WarmUpResult> {
  const started = performance.now();
  const rounds: number[] = [];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  await kysely
    .transaction()
    .execute(async (tx) => {
      await sql`CREATE TABLE switchboard_warmup_parent (id uuid PRIMARY KEY)`.execute(tx);
      await sql`CREATE TABLE switchboard_warmup (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          parent_id uuid NOT NULL REFERENCES switchboard_warmup_parent (id),
          source_id uuid NOT NULL,
          dedupe_id text NOT NULL,
          headers jsonb NOT NULL,
          body bytea NOT NULL,
          status text NOT NULL CHECK (status IN ('received', 'processed')),
          received_at timestamptz NOT NULL,
          UNIQUE (source_id, dedupe_id))`.execute(tx);
      await sql`CREATE INDEX switchboard_warmup_parent_time
          ON switchboard_warmup (parent_id, received_at DESC, id DESC)`.execute(tx);
      const parent = randomUUID();
      const source = randomUUID();
      await sql`INSERT INTO switchboard_warmup_parent (id) VALUES (${parent}::uuid)`.execute(tx);
      const headers = JSON.stringify({ 'content-type': 'application/json', 'user-agent': 'warm-up' });
      for (let round = 0; performance.now() - started < budgetMs; round++) {
        const t0 = performance.now();
        const dedupe = Array.from({ length: ROWS }, (_, i) => `${round}-${i}`);
        const body = dedupe.map((d) => Buffer.from(JSON.stringify({ id: d, pad: 'x'.repeat(400) })));
        const at = new Date();
        const inserted = await sql<{ id: string }>`
          INSERT INTO switchboard_warmup (parent_id, source_id, dedupe_id, headers, body, status, received_at)
          SELECT p, s, d, h::jsonb, b, 'received', r
          FROM unnest(${dedupe.map(() => parent)}::uuid[], ${dedupe.map(() => source)}::uuid[], ${dedupe}::text[],
                      ${dedupe.map(() => headers)}::text[], ${body}::bytea[],
                      ${dedupe.map(() => at)}::timestamptz[]) AS t(p, s, d, h, b, r)
          ON CONFLICT (source_id, dedupe_id) DO NOTHING
          RETURNING id`.execute(tx);
        const ids = inserted.rows.map((r) => r.id);
        await sql`UPDATE switchboard_warmup SET status = 'processed' WHERE id = ANY(${ids}::uuid[])`.execute(
          tx,
        );
        rounds.push(performance.now() - t0);
      }
      throw new Rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return {
    rounds: rounds.length,
    ms: performance.now() - started,
    firstRoundMs: mean(rounds.slice(0, WINDOW)),
    lastRoundMs: mean(rounds.slice(-WINDOW)),
  };
}
