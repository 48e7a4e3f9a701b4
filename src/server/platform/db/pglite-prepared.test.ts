import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreparedStatements } from './pglite-prepared.js';

let pg: PGlite;

beforeAll(async () => {
  pg = await PGlite.create();
  await pg.exec(
    `CREATE TABLE t (id int PRIMARY KEY, at timestamptz, data bytea, tags text[], doc jsonb, price numeric)`,
  );
});
afterAll(() => pg.close());

const preparedNames = async () =>
  (await pg.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map(
    (r) => r.name,
  );

describe('prepared statements on PGlite', () => {
  it('returns what PGlite.query returns, for every type we use, and prepares each text once', async () => {
    const p = new PreparedStatements(pg);
    const insert =
      'INSERT INTO t (id, at, data, tags, doc, price) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *';
    const at = new Date('2026-12-06T10:00:00.123Z');
    const args = [1, at, Buffer.from([1, 2, 3]), ['a', 'b'], JSON.stringify({ k: [1, 'x'] }), '12.50'];
    const viaUs = await p.query(insert, args);
    const viaPglite = await pg.query('SELECT * FROM t WHERE id = $1', [1]);
    expect(viaUs.rows).toEqual(viaPglite.rows);
    expect(viaUs.affectedRows).toBe(1);
    expect(viaUs.rows[0]).toMatchObject({
      id: 1,
      at,
      tags: ['a', 'b'],
      doc: { k: [1, 'x'] },
      price: '12.50',
    });

    const select = 'SELECT id, tags FROM t WHERE id = ANY($1::int[]) ORDER BY id';
    await p.query(insert, [2, null, null, null, null, null]);
    const first = await p.query(select, [[1, 2]]);
    const again = await p.query(select, [[2]]);
    expect(first.rows).toEqual([
      { id: 1, tags: ['a', 'b'] },
      { id: 2, tags: null },
    ]);
    expect(again.rows).toEqual([{ id: 2, tags: null }]);
    expect(await preparedNames()).toHaveLength(2);
    const update = await p.query('UPDATE t SET price = price + 1 WHERE id = $1', [1]);
    expect(update.rows).toEqual([]);
    expect(update.affectedRows).toBe(1);
  });

  it('raises PostgreSQL errors with their code, and keeps working afterwards (also inside a transaction)', async () => {
    const p = new PreparedStatements(pg);
    const insert = 'INSERT INTO t (id) VALUES ($1)';
    await p.query(insert, [10]);
    await expect(p.query(insert, [10])).rejects.toMatchObject({ code: '23505' });
    await expect(p.query('SELEC nonsense', [])).rejects.toMatchObject({ code: '42601' });
    await p.query('BEGIN', []);
    await expect(p.query(insert, [10])).rejects.toMatchObject({ code: '23505' });
    await expect(p.query('SELECT 1 AS one', [])).rejects.toMatchObject({ code: '25P02' });
    await p.query('ROLLBACK', []);
    expect((await p.query('SELECT count(*)::int AS n FROM t WHERE id = $1', [10])).rows).toEqual([{ n: 1 }]);
  });

  it('is bounded: the least recently used statements are closed', async () => {
    await pg.exec('DEALLOCATE ALL');
    const p = new PreparedStatements(pg, 3);
    for (let i = 0; i < 6; i++) await p.query(`SELECT $1::int + ${i} AS v`, [1]);
    expect(await preparedNames()).toHaveLength(3);
    expect((await p.query('SELECT $1::int + 5 AS v', [1])).rows).toEqual([{ v: 6 }]);
  });

  it('forgets every statement after a script, so a changed table is described afresh', async () => {
    const p = new PreparedStatements(pg);
    const sel = 'SELECT * FROM t WHERE id = $1';
    expect(Object.keys((await p.query<Record<string, unknown>>(sel, [1])).rows[0]!)).not.toContain('extra');
    await pg.exec('ALTER TABLE t ADD COLUMN extra text DEFAULT $$x$$; SELECT 1');
    const before = await preparedNames();
    await p.reset();
    expect(await preparedNames()).toHaveLength(before.length - 1);
    expect((await p.query<Record<string, unknown>>(sel, [1])).rows[0]).toMatchObject({ extra: 'x' });
  });
});
