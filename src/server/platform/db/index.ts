/**
 * db: the one SQL dialect (PostgreSQL), embedded (PGlite) or server (pg pool).
 *
 * Terminology:
 * - `Db`: an open database (embedded or PostgreSQL) with its Kysely instance and LISTEN support.
 * - `Executor`: anything that runs queries — the Kysely instance or a transaction. Functions that write take one,
 *   so a use case's changes, its events and the jobs it enqueues commit together.
 */
export { openDatabase, type Db, type Executor, type OpenDatabaseOptions } from './database.js';
export {
  migrate,
  migrationStatus,
  migrationsCurrent,
  readMigrations,
  defaultMigrationsDir,
  MigrationChecksumError,
  type MigrationStatus,
} from './migrate.js';
export type { Database } from './schema.js';
export { WORKSPACE_ROLES, type WorkspaceRole } from './identity.tables.js';
export { inTransaction } from './transaction.js';
export { runInBackground, inBackground, type BackgroundYield } from './priority.js';
export { warmUpEmbedded, type WarmUpResult } from './embedded-warmup.js';
export type { EmbeddedDurability } from './database.js';
export {
  createDurabilityHook,
  describeDurability,
  EmbeddedSyncError,
  type DurabilityHook,
  type DurabilityStats,
  type DurabilityDescription,
} from './durability.js';
export {
  backupDatabase,
  restoreDatabase,
  readBackup,
  listMovedAside,
  BackupInvalidError,
  BACKUP_FORMAT_VERSION,
  type BackupManifest,
  type RestoreResult,
} from './backup.js';
