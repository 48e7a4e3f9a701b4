import type { Command } from 'commander';
import { ROLES, type ProcessRole } from '../config.js';
import { createSwitchboard } from '../main.js';
import type { FirstRunResult } from '../platform/auth/index.js';
import { readConfig, type CliContext } from './context.js';

export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Run Switchboard: API, workers and scheduler in one process (or the roles given)')
    .option(
      '--role <roles>',
      `comma-separated roles: ${ROLES.join(', ')} (default: all; splitting needs PostgreSQL)`,
    )
    .option('--port <port>', 'HTTP port (overrides SWITCHBOARD_PORT)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0–65535, got ${v}`);
      return n;
    })
    .action(async (opts: { role?: string; port?: number }) => {
      const loaded = readConfig(ctx);
      // --port also moves the default public URL, unless one was configured explicitly.
      const config =
        opts.port !== undefined && !ctx.env.SWITCHBOARD_PUBLIC_URL
          ? { ...loaded, port: opts.port, publicUrl: `http://localhost:${opts.port}` }
          : loaded;
      const roles = opts.role ? parseRoles(opts.role) : config.roles;
      const sb = await createSwitchboard({ config, roles });
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        sb.logger.info({ signal }, 'shutting down');
        sb.stop().then(
          () => process.exit(0),
          (e: unknown) => {
            sb.logger.error({ err: e }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      const { url, firstRun } = await sb.start(opts.port !== undefined ? { port: opts.port } : {});
      printStartBanner(ctx, { database: sb.db.kind, url, roles }, firstRun);
      // Keep running until a signal arrives.
      await new Promise<never>(() => {});
    });
}

/**
 * The one place the first-run one-time password is shown: stdout, once, never through the logger (logs are kept
 * and shipped; a terminal banner is not).
 */
function printStartBanner(
  ctx: CliContext,
  info: { database: string; url: string; roles: readonly string[] },
  firstRun: FirstRunResult,
): void {
  const lines = [
    `Switchboard (${info.roles.join(', ')}) is running at ${info.url} (database: ${info.database})`,
  ];
  if (info.roles.includes('api')) lines.push(`API reference: ${info.url}/api/docs`);
  else lines.push(`Health: ${info.url}/ready`);
  if (firstRun.created) {
    lines.push('', `First run: created the default workspace and its owner account ${firstRun.email}.`);
    if (firstRun.oneTimePassword) {
      lines.push(
        `One-time password: ${firstRun.oneTimePassword}`,
        `Sign in (POST ${info.url}/api/v1/auth/login) and choose a new password. It is shown only once.`,
      );
    } else {
      lines.push('The owner signs in with the password from SWITCHBOARD_BOOTSTRAP_PASSWORD.');
    }
  }
  ctx.io.out(lines.join('\n'));
}

function parseRoles(text: string): ProcessRole[] {
  const roles = text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (bad.length || roles.length === 0) {
    throw new UsageError(`--role must be a comma-separated list of ${ROLES.join(', ')}; got ${text}`);
  }
  return [...new Set(roles)] as ProcessRole[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}
