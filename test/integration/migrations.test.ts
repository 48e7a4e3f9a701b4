import { mkdtempSync, writeFileSync, cpSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultMigrationsDir,
  migrate,
  migrationStatus,
  MigrationChecksumError,
} from '../../src/server/platform/db/index.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

describe('migrations', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t.close());

  it('reports every migration applied on a migrated database, and re-running applies nothing', async () => {
    const status = await migrationStatus(t.db);
    expect(status.length).toBeGreaterThan(0);
    expect(status.every((s) => s.state === 'applied')).toBe(true);
    expect(await migrate(t.db)).toEqual([]);
  });

  it('refuses to start when an applied migration was edited, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-mig-'));
    cpSync(defaultMigrationsDir(), dir, { recursive: true });
    const first = join(dir, '0001_identity.sql');
    writeFileSync(first, readFileSync(first, 'utf8') + '\n-- edited\n');
    await expect(migrate(t.db, { dir })).rejects.toBeInstanceOf(MigrationChecksumError);
    await expect(migrate(t.db, { dir })).rejects.toThrow(/0001_identity/);
    const status = await migrationStatus(t.db, dir);
    expect(status.find((s) => s.version === 1)?.state).toBe('modified');
  });

  it('applies a new migration in order and records it; a failing one rolls back entirely', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-mig-'));
    cpSync(defaultMigrationsDir(), dir, { recursive: true });
    writeFileSync(
      join(dir, '9998_probe.sql'),
      'CREATE TABLE probe_a (id int);\nCREATE TABLE probe_b (id int);\n',
    );
    expect(await migrate(t.db, { dir })).toEqual(['9998_probe']);
    writeFileSync(
      join(dir, '9999_broken.sql'),
      'CREATE TABLE probe_c (id int);\nSELECT * FROM no_such_table;\n',
    );
    await expect(migrate(t.db, { dir })).rejects.toThrow();
    const status = await migrationStatus(t.db, dir);
    expect(status.find((s) => s.version === 9999)?.state).toBe('pending');
    const probeC = await t.db.kysely
      .selectFrom('schema_migrations')
      .select('name')
      .where('version', '=', 9999)
      .execute();
    expect(probeC).toEqual([]);
  });
});
