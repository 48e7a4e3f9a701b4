/**
 * What CLI commands share: loading config, opening the database (migrated), and the exit-code convention.
 */
import { loadConfig, type Config } from '../config.js';
import { migrate, openDatabase, type Db } from '../platform/db/index.js';
import { createLogger, type Logger } from '../platform/logger.js';
import type { CliIo } from './output.js';

/** 0 ok, 1 error, 2 usage. */
export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/**
 * Thrown by a command that has already printed its result but must exit with an error code (e.g. a broken audit
 * chain). The CLI maps it to exit 1 without printing anything more.
 */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
  constructor(readonly exitCode: number = EXIT.error) {
    super('command failed');
  }
}

export interface CliContext {
  io: CliIo;
  env: Record<string, string | undefined>;
  cwd: string;
}

export function readConfig(ctx: CliContext): Config {
  return loadConfig(ctx.env, ctx.cwd);
}

/** Logs go to stderr for CLI commands, so stdout stays clean for `--json`. */
export function cliLogger(config: Config): Logger {
  return createLogger({
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    pretty: false,
    destination: process.stderr,
  });
}

/** Opens the configured database, applies pending migrations, runs `fn`, and always closes. */
export async function withDatabase<T>(
  config: Config,
  fn: (db: Db) => Promise<T>,
  opts: { migrate?: boolean } = {},
): Promise<T> {
  const db = await openDatabase({
    url: config.databaseUrl || null,
    dataDir: config.dataDir,
    poolSize: 2,
    applicationName: 'switchboard-cli',
  });
  try {
    if (opts.migrate ?? true) await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}
