import type { Command } from 'commander';
import { migrate, migrationStatus } from '../platform/db/index.js';
import { CommandFailed, readConfig, withDatabase, type CliContext } from './context.js';
import { printList } from './output.js';

export function registerMigrateCommand(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (safe to run from several processes at once)')
    .option('--status', 'show each migration and whether it is applied, pending or modified; apply nothing')
    .option('--json', 'machine-readable output')
    .action(async (opts: { status?: boolean; json?: boolean }) => {
      const config = readConfig(ctx);
      await withDatabase(
        config,
        async (db) => {
          if (opts.status) {
            const status = await migrationStatus(db);
            printList(
              ctx.io,
              status.map((s) => ({
                version: s.version,
                name: s.name,
                state: s.state,
                applied_at: s.appliedAt,
              })),
              { json: opts.json ?? false },
            );
            if (status.some((s) => s.state === 'modified' || s.state === 'missing_file'))
              throw new CommandFailed();
            return;
          }
          const applied = await migrate(db, {
            onApplied: (name, ms) => {
              if (!opts.json) ctx.io.out(`applied ${name} (${ms} ms)`);
            },
          });
          if (opts.json) ctx.io.out(JSON.stringify({ applied }));
          else
            ctx.io.out(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
        },
        { migrate: false },
      );
    });
}
