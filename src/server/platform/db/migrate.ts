/**
 * Migrations: numbered `.sql` files (`NNNN_name.sql`), applied in order, each in its own transaction together with
 * its `schema_migrations` row. A checksum is recorded per file; an applied file that was edited refuses to start.
 * A session-level advisory lock makes concurrent starters safe: the second waits, then finds nothing to do.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { AppError } from '../errors/index.js';
import type { Db, Executor } from './database.js';

export interface MigrationFile {
  version: number;
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationStatus {
  version: number;
  name: string;
  state: 'applied' | 'pending' | 'modified' | 'missing_file';
  appliedAt: Date | null;
}

/** `hashtext('switchboard.migrate')` would differ per server build; a fixed key is stable. */
const MIGRATION_LOCK_KEY = 727_001;

/** The migrations folder: `<package root>/migrations`, found from this file in both src/ and dist/. */
export function defaultMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'migrations');
    try {
      readdirSync(candidate);
      return candidate;
    } catch {
      dir = resolve(dir, '..');
    }
  }
  throw new Error('migrations directory not found');
}

export function readMigrations(dir = defaultMigrationsDir()): MigrationFile[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const version = Number(file.slice(0, 4));
    if (seen.has(version)) throw new Error(`two migrations share version ${version}: ${file}`);
    seen.add(version);
    const text = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    return {
      version,
      name: file.replace(/\.sql$/, ''),
      checksum: createHash('sha256').update(text).digest('hex'),
      sql: text,
    };
  });
}

export class MigrationChecksumError extends AppError {
  constructor(names: string[]) {
    super(
      'MIGRATION_MODIFIED',
      500,
      `Applied migration(s) ${names.join(', ')} changed on disk since they were applied. ` +
        'Never edit an applied migration: restore the original file and add a new migration instead.',
      { migrations: names },
    );
  }
}

async function ensureTable(db: Executor): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
}

export async function migrationStatus(db: Db, dir?: string): Promise<MigrationStatus[]> {
  const files = readMigrations(dir);
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('schema_migrations')::text AS t`.execute(
    db.kysely,
  );
  const applied = exists.rows[0]?.t
    ? await db.kysely.selectFrom('schema_migrations').selectAll().orderBy('version').execute()
    : [];
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  const out: MigrationStatus[] = files.map((f) => {
    const a = byVersion.get(f.version);
    byVersion.delete(f.version);
    return {
      version: f.version,
      name: f.name,
      state: !a ? 'pending' : a.checksum !== f.checksum ? 'modified' : 'applied',
      appliedAt: a?.applied_at ?? null,
    };
  });
  for (const a of byVersion.values()) {
    out.push({ version: a.version, name: a.name, state: 'missing_file', appliedAt: a.applied_at });
  }
  return out.sort((x, y) => x.version - y.version);
}

/** True when every migration file is applied unchanged (readiness check). */
export async function migrationsCurrent(db: Db, dir?: string): Promise<boolean> {
  const status = await migrationStatus(db, dir);
  return status.every((s) => s.state === 'applied');
}

/**
 * Applies pending migrations. Returns the names applied. Throws `MigrationChecksumError` without applying anything
 * when an applied migration was edited.
 */
export async function migrate(
  db: Db,
  opts: { dir?: string; onApplied?: (name: string, ms: number) => void } = {},
): Promise<string[]> {
  const files = readMigrations(opts.dir);
  return db.kysely.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await ensureTable(conn);
      const applied = await conn.selectFrom('schema_migrations').selectAll().execute();
      const byVersion = new Map(applied.map((a) => [a.version, a]));
      const modified = files.filter((f) => {
        const a = byVersion.get(f.version);
        return a && a.checksum !== f.checksum;
      });
      if (modified.length) throw new MigrationChecksumError(modified.map((m) => m.name));
      const done: string[] = [];
      for (const file of files) {
        if (byVersion.has(file.version)) continue;
        const started = Date.now();
        await conn.transaction().execute(async (trx) => {
          await sql.raw(file.sql).execute(trx);
          await trx
            .insertInto('schema_migrations')
            .values({
              version: file.version,
              name: file.name,
              checksum: file.checksum,
              applied_at: new Date(),
            })
            .execute();
        });
        done.push(file.name);
        opts.onApplied?.(file.name, Date.now() - started);
      }
      return done;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
