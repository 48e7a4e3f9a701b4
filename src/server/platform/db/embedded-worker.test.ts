import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { openInlineSession, type EmbeddedSession } from './embedded-session.js';
import { openWorkerSession } from './embedded-worker-client.js';
import { PGliteDialect } from './pglite-dialect.js';

const TABLE = `CREATE TABLE t (id int PRIMARY KEY, at timestamptz, data bytea, tags text[], doc jsonb,
  price numeric, n int8)`;

let worker: EmbeddedSession;
let inline: EmbeddedSession;
beforeAll(async () => {
  [worker, inline] = await Promise.all([openWorkerSession({}), openInlineSession({})]);
  await Promise.all([worker.exec(TABLE), inline.exec(TABLE)]);
});
afterAll(async () => {
  await Promise.all([worker.close(), inline.close()]);
});

describe('the embedded session on a worker thread', () => {
  it('returns exactly what the inline session returns, for every type we use', async () => {
    const insert =
      'INSERT INTO t (id, at, data, tags, doc, price, n) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *';
    const args = [
      1,
      new Date('2026-12-06T10:00:00.123Z'),
      Buffer.from([1, 2, 3]),
      ['a', 'b'],
      JSON.stringify({ k: [1, 'x'] }),
      '12.50',
      2 ** 40,
    ];
    const viaWorker = await worker.query(insert, args);
    const viaInline = await inline.query(insert, args);
    expect(viaWorker).toEqual(viaInline);
    expect(viaWorker.rows[0]).toMatchObject({ n: 2 ** 40, doc: { k: [1, 'x'] }, tags: ['a', 'b'] });
    expect(viaWorker.rows[0]!).toHaveProperty('at', args[1]);
    expect(await worker.exec('SELECT 1 AS a; SELECT 2 AS b')).toEqual({ rows: [{ b: 2 }], affectedRows: 0 });
  });

  it('rebuilds PostgreSQL errors with their code and constraint, and the session keeps working', async () => {
    await worker.query('INSERT INTO t (id) VALUES ($1)', [10]);
    const dup = await worker.query('INSERT INTO t (id) VALUES ($1)', [10]).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(Error);
    expect(dup).toMatchObject({
      code: '23505',
      constraint: 't_pkey',
      message: expect.stringMatching(/duplicate key/),
    });
    await expect(worker.query('SELEC nonsense', [])).rejects.toMatchObject({ code: '42601' });
    // A value that cannot cross the thread boundary fails that call only.
    await expect(worker.query('SELECT $1::text AS v', [() => 1])).rejects.toThrow(/could not be cloned/);
    expect((await worker.query('SELECT count(*)::int AS n FROM t WHERE id = $1', [10])).rows).toEqual([
      { n: 1 },
    ]);
  });

  it('runs a statement after its pipelined BEGIN, and a failing BEGIN runs nothing', async () => {
    await worker.query('INSERT INTO t (id) VALUES ($1)', [20], 'begin');
    await worker.query('rollback', []);
    await expect(
      worker.query('INSERT INTO t (id) VALUES ($1)', [21], 'begin isolation level bogus'),
    ).rejects.toThrow();
    await worker.query('rollback', []);
    expect((await worker.query('SELECT count(*)::int AS n FROM t WHERE id IN (20, 21)', [])).rows).toEqual([
      { n: 0 },
    ]);
  });

  it('delivers NOTIFY to every subscriber until it unsubscribes', async () => {
    const a: string[] = [];
    const b: string[] = [];
    const offA = await worker.listen('chan', (p) => a.push(p));
    const offB = await worker.listen('chan', (p) => b.push(p));
    await worker.query("SELECT pg_notify('chan', 'one')", []);
    await offA();
    await worker.query("SELECT pg_notify('chan', 'two')", []);
    await offB();
    await worker.query("SELECT pg_notify('chan', 'three')", []);
    await worker.query('SELECT 1', []);
    expect(a).toEqual(['one']);
    expect(b).toEqual(['one', 'two']);
  });

  it('dumps a data directory that opens as a copy', async () => {
    const tarball = await worker.dumpDataDir('gzip');
    const copy = await openWorkerSession({ loadDataDir: tarball });
    try {
      expect((await copy.query('SELECT count(*)::int AS n FROM t WHERE id = 10', [])).rows).toEqual([
        { n: 1 },
      ]);
    } finally {
      await copy.close();
    }
  });

  it('fails every pending and later call with EMBEDDED_DATABASE_UNAVAILABLE when its thread dies', async () => {
    const crashes: Error[] = [];
    const doomed = await openWorkerSession({ onCrash: (e) => crashes.push(e) });
    const slow = doomed.query('SELECT pg_sleep(0.5)', []);
    // The thread is private; a test may end it the way a WASM abort would.
    await (doomed as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(slow).rejects.toMatchObject({ code: 'EMBEDDED_DATABASE_UNAVAILABLE', status: 503 });
    await expect(doomed.query('SELECT 1', [])).rejects.toMatchObject({
      code: 'EMBEDDED_DATABASE_UNAVAILABLE',
    });
    expect(crashes).toHaveLength(1);
    expect(doomed.closed).toBe(true);
    await doomed.close();
  });

  it('never keeps the process alive while idle, and keeps it alive while a call is in flight', () => {
    const script = `
      import { openDatabase } from './src/server/platform/db/index.ts';
      const db = await openDatabase({ embeddedThread: 'worker' });
      const r = await db.kysely.selectNoFrom((eb) => eb.val(41).as('v')).execute();
      console.log('answer', Number(r[0].v) + 1);
      // No close: an idle worker must not hold the process open.`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..', '..', '..', '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout).toContain('answer 42');
    expect(child.status).toBe(0);
  });
});

describe('the Kysely dialect over a worker session', () => {
  let db: Kysely<{ t: { id: number } }>;
  beforeAll(() => {
    db = new Kysely({ dialect: new PGliteDialect({ session: worker }) });
  });

  it('commits, rolls back, and treats an empty transaction as nothing to do', async () => {
    await db.transaction().execute((tx) => tx.insertInto('t').values({ id: 30 }).execute());
    await expect(
      db.transaction().execute(async (tx) => {
        await tx.insertInto('t').values({ id: 31 }).execute();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await db.transaction().execute(async () => {});
    await expect(
      db.transaction().execute(async () => {
        throw new Error('before any statement');
      }),
    ).rejects.toThrow('before any statement');
    const ids = await db.selectFrom('t').select('id').where('id', 'in', [30, 31]).execute();
    expect(ids).toEqual([{ id: 30 }]);
    // Nothing was left open: a transaction-only statement outside a transaction warns instead of running.
    expect(
      (await sql<{ s: string }>`SELECT current_setting('transaction_isolation') AS s`.execute(db)).rows,
    ).toEqual([{ s: 'read committed' }]);
  });

  it('serves the server: file-backed with the durability description', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-worker-'));
    let fileDb: Db | undefined;
    try {
      fileDb = await openDatabase({ dataDir: dir, embeddedThread: 'worker' });
      await sql`CREATE TABLE probe (id int)`.execute(fileDb.kysely);
      await fileDb.kysely.transaction().execute((tx) => sql`INSERT INTO probe VALUES (1)`.execute(tx));
      expect(fileDb.embedded).toMatchObject({ home: 'worker', dataDir: join(dir, 'pglite') });
      await fileDb.close();
      fileDb = await openDatabase({ dataDir: dir });
      expect((await sql<{ id: number }>`SELECT id FROM probe`.execute(fileDb.kysely)).rows).toEqual([
        { id: 1 },
      ]);
    } finally {
      await fileDb?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
