/**
 * Backup and restore of the embedded database (`switchboard backup <file>` / `switchboard restore <file>`).
 *
 * A backup file is: a magic line, one JSON manifest line, then PGlite's gzipped tarball of the data directory
 * (`dumpDataDir('gzip')`). The tarball is taken while we hold the single embedded session (no transaction of ours is
 * open) and under PGlite's own query lock (no statement runs), so it is a crash-consistent image: opening it runs
 * ordinary crash recovery and yields exactly the transactions committed before the dump started.
 *
 * PostgreSQL has pg_dump/pg_restore; we do not reimplement them (BACKUP_USE_PG_DUMP says how to call them).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.js';
import { AppError, ConflictError } from '../errors/index.js';
import { lockDataDir, type Db } from './database.js';
import { createDurabilityHook } from './durability.js';

const MAGIC = 'SWITCHBOARD-BACKUP';
export const BACKUP_FORMAT_VERSION = 1;

const manifestSchema = z.object({
  format: z.literal('switchboard-backup'),
  formatVersion: z.literal(BACKUP_FORMAT_VERSION),
  createdAt: z.string(),
  /** Highest applied migration (`schema_migrations.version`); 0 for an unmigrated database. */
  migrationVersion: z.number().int().min(0),
  postgresVersion: z.string(),
  payload: z.object({ compression: z.literal('gzip'), bytes: z.number().int().min(0), sha256: z.string() }),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the previous data directory was moved (kept, never deleted); null when there was none. */
  movedAsideTo: string | null;
}

export class BackupInvalidError extends AppError {
  constructor(file: string, reason: string) {
    super('BACKUP_INVALID', 400, `${file} is not a usable Switchboard backup: ${reason}`, { file, reason });
    this.name = 'BackupInvalidError';
  }
}

/**
 * Writes a backup of the embedded database to `file` (via `<file>.tmp`, fsynced, then renamed, so a crash never
 * leaves a half-written file under the final name). Returns the manifest recorded in it.
 * On PostgreSQL throws `BACKUP_USE_PG_DUMP` with the commands to use instead.
 */
export async function backupDatabase(
  db: Db,
  file: string,
  opts: { clock?: Clock } = {},
): Promise<BackupManifest> {
  const session = db.embedded;
  if (db.kind === 'postgres' || !session) throw usePgDump(file);
  const clock = opts.clock ?? systemClock;
  // Holding the Kysely connection keeps our own transactions out; dumpDataDir then takes PGlite's query lock.
  const { tarball, migrationVersion, postgresVersion, createdAt } = await db.kysely
    .connection()
    .execute(async (conn) => {
      const mig = await sql<{
        v: number | null;
      }>`SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0
        ELSE (SELECT coalesce(max(version), 0) FROM schema_migrations) END AS v`.execute(conn);
      const ver = await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(conn);
      const at = clock.now();
      const blob = await session.dumpDataDir('gzip');
      return {
        tarball: Buffer.from(await blob.arrayBuffer()),
        migrationVersion: Number(mig.rows[0]?.v ?? 0),
        postgresVersion: ver.rows[0]?.v ?? 'unknown',
        createdAt: at,
      };
    });
  const manifest: BackupManifest = {
    format: 'switchboard-backup',
    formatVersion: BACKUP_FORMAT_VERSION,
    createdAt: createdAt.toISOString(),
    migrationVersion,
    postgresVersion,
    payload: { compression: 'gzip', bytes: tarball.length, sha256: sha256(tarball) },
  };
  const header = Buffer.from(`${MAGIC}\n${JSON.stringify(manifest)}\n`, 'utf8');
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(Buffer.concat([header, tarball]));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await fsyncDir(dirname(file));
  return manifest;
}

/** Reads and verifies a backup file: magic, manifest, payload checksum. Throws `BACKUP_INVALID`. */
export async function readBackup(file: string): Promise<{ manifest: BackupManifest; tarball: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new BackupInvalidError(
      file,
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(e),
    );
  }
  const first = bytes.indexOf(0x0a);
  const second = first < 0 ? -1 : bytes.indexOf(0x0a, first + 1);
  if (first < 0 || second < 0 || bytes.subarray(0, first).toString('utf8') !== MAGIC) {
    throw new BackupInvalidError(file, 'missing the backup header (was it made by `switchboard backup`?)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.subarray(first + 1, second).toString('utf8'));
  } catch {
    throw new BackupInvalidError(file, 'the manifest is not valid JSON');
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const version = (parsed as { formatVersion?: unknown } | null)?.formatVersion;
    throw new BackupInvalidError(
      file,
      version !== undefined && version !== BACKUP_FORMAT_VERSION
        ? `format version ${String(version)} is not supported (this build reads version ${BACKUP_FORMAT_VERSION})`
        : `the manifest is invalid (${result.error.issues.map((i) => i.path.join('.') || i.message).join(', ')})`,
    );
  }
  const manifest = result.data;
  const tarball = bytes.subarray(second + 1);
  if (tarball.length !== manifest.payload.bytes || sha256(tarball) !== manifest.payload.sha256) {
    throw new BackupInvalidError(file, 'the data does not match its checksum (truncated or corrupted)');
  }
  return { manifest, tarball };
}

/**
 * Restores a backup into an embedded data directory (`SWITCHBOARD_DATA_DIR`). Refuses while a process has the data
 * directory open, and refuses to replace an existing database unless `force` is set; the previous data is moved to
 * `pglite.bak-<timestamp>` beside it, never deleted. The backup is loaded and checked in a staging directory first,
 * so a bad backup leaves the current database untouched.
 */
export async function restoreDatabase(
  dataDir: string,
  file: string,
  opts: { force?: boolean; clock?: Clock } = {},
): Promise<RestoreResult> {
  const { manifest, tarball } = await readBackup(file);
  const clock = opts.clock ?? systemClock;
  const release = lockForRestore(dataDir);
  try {
    const pgDir = join(dataDir, 'pglite');
    const hasDatabase = existsSync(join(pgDir, 'PG_VERSION'));
    if (hasDatabase && !opts.force) {
      throw new ConflictError(
        'RESTORE_WOULD_OVERWRITE',
        `${dataDir} already holds a database. Re-run with --force to replace it; ` +
          'the current data will be moved to pglite.bak-<timestamp> in that directory, not deleted.',
        { dataDir },
      );
    }
    const stamp = clock.now().toISOString().replace(/[:.]/g, '-');
    const staging = join(dataDir, `pglite.restoring-${stamp}`);
    await rm(staging, { recursive: true, force: true });
    try {
      await loadAndCheck(staging, tarball, manifest, file);
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
    let movedAsideTo: string | null = null;
    if (existsSync(pgDir)) {
      movedAsideTo = join(dataDir, `pglite.bak-${stamp}`);
      await rename(pgDir, movedAsideTo);
    }
    await rename(staging, pgDir);
    await fsyncDir(dataDir);
    return { manifest, movedAsideTo };
  } finally {
    release();
  }
}

/** Opens the tarball in `dir` (crash recovery runs here), checks it, closes it cleanly and fsyncs every file. */
async function loadAndCheck(
  dir: string,
  tarball: Buffer,
  manifest: BackupManifest,
  file: string,
): Promise<void> {
  let pg: PGlite;
  try {
    pg = await PGlite.create({ dataDir: dir, loadDataDir: new Blob([tarball]) });
  } catch (e) {
    throw new BackupInvalidError(
      file,
      `the database in it does not open (${e instanceof Error ? e.message : e})`,
    );
  }
  try {
    const r = await pg.query<{ v: number }>(
      `SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0
        ELSE (SELECT coalesce(max(version), 0) FROM schema_migrations) END AS v`,
    );
    const version = Number(r.rows[0]?.v ?? -1);
    if (version !== manifest.migrationVersion) {
      throw new BackupInvalidError(
        file,
        `it holds migration version ${version} but its manifest says ${manifest.migrationVersion}`,
      );
    }
  } finally {
    await pg.close();
  }
  await createDurabilityHook({ pgDataDir: dir }).syncAll();
}

/** Takes the data directory's lock; a live owner (including this process) means the database is open. */
function lockForRestore(dataDir: string): () => void {
  const lockFile = join(dataDir, 'switchboard.lock');
  const inUse = (pid: string) =>
    new ConflictError(
      'DATABASE_IN_USE',
      `The embedded database in ${dataDir} is open in process ${pid}. Stop Switchboard before restoring.`,
      { dataDir, pid },
    );
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(lockFile) && readFileSync(lockFile, 'utf8').trim() === String(process.pid)) {
    throw inUse(String(process.pid));
  }
  try {
    return lockDataDir(dataDir);
  } catch (e) {
    const pid = /process (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
    if (pid) throw inUse(pid);
    throw e;
  }
}

function usePgDump(file: string): AppError {
  const name = basename(file);
  const dump = `pg_dump --format=custom --no-owner --file=${name} "$DATABASE_URL"`;
  const restore = `pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$DATABASE_URL" ${name}`;
  return new AppError(
    'BACKUP_USE_PG_DUMP',
    400,
    `Switchboard is using PostgreSQL: back it up with the server's own tools.\n  backup:  ${dump}\n  restore: ${restore}\n` +
      'Stop Switchboard (or all roles) before restoring.',
    { dump, restore },
  );
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Data directories moved aside by earlier restores (`pglite.bak-*`), newest first; for `switchboard doctor`. */
export function listMovedAside(dataDir: string): string[] {
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir)
    .filter((n) => n.startsWith('pglite.bak-'))
    .sort()
    .reverse()
    .map((n) => join(dataDir, n));
}
