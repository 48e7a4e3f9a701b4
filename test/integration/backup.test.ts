/**
 * Backup and restore of the embedded database. Restores always run on a file-backed PGlite (the feature is
 * embedded-only); the PostgreSQL case checks the BACKUP_USE_PG_DUMP guidance.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { TestClock } from '../../src/server/platform/clock.js';
import {
  backupDatabase,
  migrationStatus,
  openDatabase,
  readBackup,
  restoreDatabase,
  type Db,
} from '../../src/server/platform/db/index.js';
import { createTestDb, onPostgres } from '../support/test-db.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A file-backed embedded database with a `probe` table, from the migrated test template. */
async function createFileDb(): Promise<{ dir: string; db: Db }> {
  const dir = tempDir('sb-backup-db-');
  const db = await openDatabase({
    dataDir: dir,
    loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]),
  });
  await sql`CREATE TABLE probe (id int PRIMARY KEY)`.execute(db.kysely);
  return { dir, db };
}

async function insertIds(db: Db, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) {
    await db.kysely.transaction().execute((tx) => sql`INSERT INTO probe (id) VALUES (${i})`.execute(tx));
  }
}

async function probeIds(db: Db): Promise<number[]> {
  const r = await sql<{ id: number }>`SELECT id FROM probe ORDER BY id`.execute(db.kysely);
  return r.rows.map((row) => row.id);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('backup and restore (embedded)', () => {
  it('restores exactly the backed-up rows and moves the replaced data aside', async () => {
    const { dir, db } = await createFileDb();
    const file = join(tempDir('sb-backup-out-'), 'switchboard.backup');
    await insertIds(db, 1, 30);
    const manifest = await backupDatabase(db, file, { clock: new TestClock('2026-03-01T10:00:00Z') });
    await insertIds(db, 31, 45);
    const latest = Math.max(...(await migrationStatus(db)).map((s) => s.version));
    await db.close();

    expect(manifest).toMatchObject({
      formatVersion: 1,
      createdAt: '2026-03-01T10:00:00.000Z',
      migrationVersion: latest,
    });
    expect(existsSync(`${file}.tmp`)).toBe(false);

    const result = await restoreDatabase(dir, file, {
      force: true,
      clock: new TestClock('2026-03-02T00:00:00Z'),
    });
    expect(result.movedAsideTo).toBe(join(dir, 'pglite.bak-2026-03-02T00-00-00-000Z'));
    expect(existsSync(join(result.movedAsideTo!, 'PG_VERSION'))).toBe(true);

    const restored = await openDatabase({ dataDir: dir });
    try {
      expect(await probeIds(restored)).toEqual(range(1, 30));
      expect((await migrationStatus(restored)).every((s) => s.state === 'applied')).toBe(true);
    } finally {
      await restored.close();
    }
  });

  it('refuses to overwrite without force, and refuses while the database is open', async () => {
    const { dir, db } = await createFileDb();
    const file = join(tempDir('sb-backup-out-'), 'b.backup');
    await insertIds(db, 1, 3);
    await backupDatabase(db, file);

    await expect(restoreDatabase(dir, file, { force: true })).rejects.toMatchObject({
      code: 'DATABASE_IN_USE',
    });
    await db.close();
    // Another live process holding the lock (our parent is alive) is refused too.
    writeFileSync(join(dir, 'switchboard.lock'), String(process.ppid));
    await expect(restoreDatabase(dir, file, { force: true })).rejects.toThrow(
      new RegExp(`process ${process.ppid}`),
    );
    rmSync(join(dir, 'switchboard.lock'));

    await expect(restoreDatabase(dir, file)).rejects.toMatchObject({
      code: 'RESTORE_WOULD_OVERWRITE',
      status: 409,
    });
    await expect(restoreDatabase(dir, file)).rejects.toThrow(/--force/);
    expect(existsSync(join(dir, 'switchboard.lock'))).toBe(false);

    // An empty directory needs no force.
    const fresh = tempDir('sb-backup-fresh-');
    expect((await restoreDatabase(fresh, file)).movedAsideTo).toBeNull();
    const reopened = await openDatabase({ dataDir: fresh });
    try {
      expect(await probeIds(reopened)).toEqual([1, 2, 3]);
    } finally {
      await reopened.close();
    }
  });

  it('rejects files that are not backups, corrupted or truncated, without touching the data directory', async () => {
    const { dir, db } = await createFileDb();
    const out = tempDir('sb-backup-out-');
    const file = join(out, 'good.backup');
    await backupDatabase(db, file);
    await db.close();
    const bytes = readFileSync(file);

    const notBackup = join(out, 'notes.txt');
    writeFileSync(notBackup, 'hello\nworld\n');
    await expect(restoreDatabase(dir, notBackup, { force: true })).rejects.toMatchObject({
      code: 'BACKUP_INVALID',
    });
    await expect(readBackup(notBackup)).rejects.toThrow(/missing the backup header/);

    const corrupted = join(out, 'corrupted.backup');
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 100] = (flipped[flipped.length - 100]! + 1) % 256;
    writeFileSync(corrupted, flipped);
    await expect(restoreDatabase(dir, corrupted, { force: true })).rejects.toThrow(/checksum/);

    const truncated = join(out, 'truncated.backup');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 1000));
    await expect(readBackup(truncated)).rejects.toThrow(/truncated or corrupted/);

    const future = join(out, 'future.backup');
    const text = bytes.toString('latin1').replace('"formatVersion":1', '"formatVersion":9');
    writeFileSync(future, Buffer.from(text, 'latin1'));
    await expect(readBackup(future)).rejects.toThrow(/format version 9 is not supported/);

    await expect(readBackup(join(out, 'missing.backup'))).rejects.toThrow(/file not found/);

    const reopened = await openDatabase({ dataDir: dir });
    try {
      expect(await probeIds(reopened)).toEqual([]);
    } finally {
      await reopened.close();
    }
  });

  it('takes a consistent snapshot while writes continue', async () => {
    const { db } = await createFileDb();
    await sql`CREATE TABLE probe_counter (n int NOT NULL)`.execute(db.kysely);
    await sql`INSERT INTO probe_counter VALUES (0)`.execute(db.kysely);
    let committed = 0;
    let stop = false;
    // Each transaction inserts the next id and moves the counter to it: a torn snapshot would disagree.
    const writer = (async () => {
      for (let i = 1; !stop; i++) {
        await db.kysely.transaction().execute(async (tx) => {
          await sql`INSERT INTO probe (id) VALUES (${i})`.execute(tx);
          await sql`UPDATE probe_counter SET n = ${i}`.execute(tx);
        });
        committed = i;
        // PGlite resolves queries on the microtask queue; yield so the test's timers and the backup get turns.
        await new Promise((r) => setImmediate(r));
      }
    })();
    while (committed < 20) await new Promise((r) => setTimeout(r, 5));
    const before = committed;
    const file = join(tempDir('sb-backup-out-'), 'live.backup');
    await backupDatabase(db, file);
    const after = committed;
    await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await writer;
    await db.close();

    const target = tempDir('sb-backup-live-');
    await restoreDatabase(target, file);
    const restored = await openDatabase({ dataDir: target });
    try {
      const ids = await probeIds(restored);
      const counter = await sql<{ n: number }>`SELECT n FROM probe_counter`.execute(restored.kysely);
      expect(ids.length).toBeGreaterThanOrEqual(before);
      expect(ids.length).toBeLessThanOrEqual(after + 1);
      expect(ids).toEqual(range(1, ids.length));
      expect(counter.rows).toEqual([{ n: ids.length }]);
    } finally {
      await restored.close();
    }
  });
});

describe('backup on the test database', () => {
  it('points PostgreSQL users to pg_dump / pg_restore; embedded databases back up', async () => {
    const t = await createTestDb();
    const file = join(tempDir('sb-backup-out-'), 'test.backup');
    try {
      if (onPostgres()) {
        const err = backupDatabase(t.db, file);
        await expect(err).rejects.toMatchObject({ code: 'BACKUP_USE_PG_DUMP' });
        await expect(backupDatabase(t.db, file)).rejects.toThrow(
          /pg_dump --format=custom .*pg_restore --clean/s,
        );
        expect(existsSync(file)).toBe(false);
      } else {
        const manifest = await backupDatabase(t.db, file);
        expect((await readBackup(file)).manifest).toEqual(manifest);
      }
    } finally {
      await t.close();
    }
  });
});
