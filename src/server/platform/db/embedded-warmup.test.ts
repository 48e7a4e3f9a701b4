import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { warmUpEmbedded } from './embedded-warmup.js';

let db: Db;
beforeAll(async () => {
  db = await openDatabase({ dataDir: 'memory://' });
});
afterAll(() => db.close());

describe('the embedded warm-up', () => {
  it('runs its statements for the budget and leaves nothing behind', async () => {
    const tables = async () =>
      (
        await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'switchboard_warmup%'`.execute(
          db.kysely,
        )
      ).rows[0]!.n;
    const result = await warmUpEmbedded(db.kysely, 300);
    expect(result.rounds).toBeGreaterThan(10);
    expect(result.ms).toBeGreaterThanOrEqual(300);
    expect(result.firstRoundMs).toBeGreaterThan(0);
    // Rolled back: no scratch table, index or row survives, and the session is usable (no transaction left open).
    expect(await tables()).toBe(0);
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)).rows).toEqual([{ one: 1 }]);
    // So it can run again (a second start of the same process's database).
    expect((await warmUpEmbedded(db.kysely, 50)).rounds).toBeGreaterThan(0);
    expect(await tables()).toBe(0);
  });
});
