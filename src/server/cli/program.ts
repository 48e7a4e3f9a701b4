/**
 * The `switchboard` command line. Every command has `--help`; listing commands take `--json`.
 * Exit codes: 0 ok, 1 error, 2 usage.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { isAppError } from '../platform/errors/index.js';
import { VERSION } from '../version.js';
import { registerConfigCommand } from './config.command.js';
import { EXIT, type CliContext } from './context.js';
import { registerMigrateCommand } from './migrate.command.js';
import { registerServeCommand, UsageError } from './serve.command.js';

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
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit code (never throws). */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
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
