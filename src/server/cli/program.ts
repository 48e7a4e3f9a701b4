/**
 * The `switchboard` command line. Every command has `--help`; listing commands take `--json`.
 * Exit codes: 0 ok, 1 error, 2 usage.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { isAppError } from '../platform/errors/index.js';
import { VERSION } from '../version.js';
import { registerConfigCommand } from './config.command.js';
import { CommandFailed, EXIT, type CliContext } from './context.js';
import { registerCatalogCommands } from './catalog.command.js';
import { registerContentCommands } from './content.command.js';
import { registerEventsCommands } from './events.command.js';
import { registerIdentityCommands } from './identity.command.js';
import { registerMigrateCommand } from './migrate.command.js';
import { registerJobsCommands, registerOpsCommands } from './ops.command.js';
import { registerServeCommand, UsageError } from './serve.command.js';
import { registerConnectionsCommands } from './connections.command.js';
import { registerDeliveriesCommands } from './deliveries.command.js';
import { registerSandboxCommand } from './sandbox.command.js';
import { registerWebhooksCommands } from './webhooks.command.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('switchboard')
    .description('Switchboard — self-hosted marketing integration and automation hub')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) });
  registerServeCommand(program, ctx);
  registerMigrateCommand(program, ctx);
  registerConfigCommand(program, ctx);
  registerIdentityCommands(program, ctx);
  registerContentCommands(program, ctx);
  registerCatalogCommands(program, ctx);
  registerJobsCommands(program, ctx);
  registerOpsCommands(program, ctx);
  registerConnectionsCommands(program, ctx);
  registerDeliveriesCommands(program, ctx);
  registerSandboxCommand(program, ctx);
  registerEventsCommands(program, ctx);
  registerWebhooksCommands(program, ctx);
  exitOverrideAll(program);
  return program;
}

/** Commander exits the process by default; we map its errors to our exit codes instead, for every subcommand. */
function exitOverrideAll(cmd: Command): void {
  for (const sub of cmd.commands) {
    sub.exitOverride();
    sub.configureOutput(cmd.configureOutput());
    exitOverrideAll(sub);
  }
}

/** Runs the CLI and returns the exit code (never throws). */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return EXIT.ok;
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof CommandFailed) return e.exitCode;
    if (e instanceof UsageError) {
      ctx.io.err(`error: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof ConfigError) {
      ctx.io.err(e.message);
      return EXIT.error;
    }
    if (isAppError(e)) {
      ctx.io.err(`error [${e.code}]: ${e.message}`);
      return EXIT.error;
    }
    ctx.io.err(`error: ${(e as Error).message ?? String(e)}`);
    return EXIT.error;
  }
}
