import type { Command } from 'commander';
import { ROLES, type ProcessRole } from '../config.js';
import { createSwitchboard } from '../main.js';
import { readConfig, type CliContext } from './context.js';

export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Run Switchboard: API, workers and scheduler in one process (or the roles given)')
    .option('--role <roles>', `comma-separated roles: ${ROLES.join(', ')} (default: all; splitting needs PostgreSQL)`)
    .option('--port <port>', 'HTTP port (overrides SWITCHBOARD_PORT)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0–65535, got ${v}`);
      return n;
    })
    .action(async (opts: { role?: string; port?: number }) => {
      const config = readConfig(ctx);
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
      await sb.start(opts.port !== undefined ? { port: opts.port } : {});
      // Keep running until a signal arrives.
      await new Promise<never>(() => {});
    });
}

function parseRoles(text: string): ProcessRole[] {
  const roles = text.split(',').map((r) => r.trim()).filter(Boolean);
  const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (bad.length || roles.length === 0) {
    throw new UsageError(`--role must be a comma-separated list of ${ROLES.join(', ')}; got ${text}`);
  }
  return [...new Set(roles)] as ProcessRole[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}
