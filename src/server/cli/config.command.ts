import type { Command } from 'commander';
import { describeConfig } from '../config.js';
import { readConfig, type CliContext } from './context.js';
import { printList } from './output.js';

export function registerConfigCommand(program: Command, ctx: CliContext): void {
  program
    .command('config')
    .description('Print the effective configuration (secrets redacted)')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const config = readConfig(ctx);
      printList(ctx.io, describeConfig(config), {
        json: opts.json ?? false,
        columns: ['env', 'value', 'default'],
      });
    });
}
