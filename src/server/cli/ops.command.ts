/**
 * Operations commands: `jobs stats|list|retry|cancel`, `audit verify`, `backup`, `restore`, `secrets rotate-key`.
 * They call the same service functions as the HTTP API.
 */
import type { Command } from 'commander';
import { verifyAuditChain } from '../platform/audit/index.js';
import {
  EncryptedColumnRegistry,
  KERNEL_ENCRYPTED_COLUMNS,
  loadSecretBox,
  rotateSecretKey,
} from '../platform/crypto/index.js';
import { MODULE_ENCRYPTED_COLUMNS } from '../modules.js';
import { backupDatabase, restoreDatabase } from '../platform/db/index.js';
import { cancelJob, getQueueStats, listJobs, retryAllDead, retryDeadJob } from '../platform/queue/index.js';
import { VIEW_STATES, type JobViewState } from '../platform/queue/queue.service.js';
import { CommandFailed, readConfig, withDatabase, type CliContext } from './context.js';
import { printList } from './output.js';
import { UsageError } from './serve.command.js';

export function registerJobsCommands(program: Command, ctx: CliContext): void {
  const jobs = program.command('jobs').description('Inspect and operate the job queue');
  jobs
    .command('stats')
    .description('Job counts by name and state, and the oldest pending age')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withDatabase(readConfig(ctx), async (db) => {
        const stats = await getQueueStats(db.kysely);
        if (opts.json) return ctx.io.out(JSON.stringify(stats, null, 2));
        printList(ctx.io, stats.counts, { columns: ['name', 'state', 'count'] });
        if (stats.oldestPending.length) {
          ctx.io.out('\noldest pending:');
          printList(
            ctx.io,
            stats.oldestPending.map((o) => ({ name: o.name, age_seconds: Math.round(o.ageSeconds) })),
            {},
          );
        }
      });
    });
  jobs
    .command('list')
    .description('List jobs, newest first')
    .option('--state <state>', VIEW_STATES.join(' | '))
    .option('--name <name>', 'job name, e.g. queue.prune')
    .option('--limit <n>', 'how many (default 50)', (v) => Number(v))
    .option('--json', 'machine-readable output')
    .action(async (opts: { state?: string; name?: string; limit?: number; json?: boolean }) => {
      if (opts.state && !(VIEW_STATES as readonly string[]).includes(opts.state)) {
        throw new UsageError(`--state must be one of ${VIEW_STATES.join(', ')}`);
      }
      await withDatabase(readConfig(ctx), async (db) => {
        const page = await listJobs(db.kysely, {
          ...(opts.state ? { state: opts.state as JobViewState } : {}),
          ...(opts.name ? { name: opts.name } : {}),
          limit: opts.limit ?? 50,
        });
        printList(
          ctx.io,
          page.items.map((j) => ({
            id: j.id,
            name: j.name,
            state: j.state,
            attempts: `${j.attempts}/${j.maxAttempts}`,
            run_at: j.runAt,
            last_error: j.lastError?.message ?? '',
          })),
          { json: opts.json ?? false },
        );
      });
    });
  jobs
    .command('retry')
    .description('Retry one dead job, or all dead jobs of a name')
    .argument('[id]', 'job id')
    .option('--all-dead <name>', 'retry every dead job with this name')
    .action(async (id: string | undefined, opts: { allDead?: string }) => {
      if (!id === !opts.allDead) throw new UsageError('give a job id or --all-dead <name> (one of them)');
      await withDatabase(readConfig(ctx), async (db) => {
        if (opts.allDead) {
          const r = await retryAllDead(db.kysely, opts.allDead);
          ctx.io.out(`retried ${r.retried} dead job(s) named ${opts.allDead}`);
        } else {
          const job = await retryDeadJob(db.kysely, id!);
          ctx.io.out(`job ${job.id} (${job.name}) is ${job.state} again`);
        }
      });
    });
  jobs
    .command('cancel')
    .description('Cancel a pending job')
    .argument('<id>', 'job id')
    .action(async (id: string) => {
      await withDatabase(readConfig(ctx), async (db) => {
        const job = await cancelJob(db.kysely, id);
        ctx.io.out(`job ${job.id} (${job.name}) cancelled`);
      });
    });
}

export function registerOpsCommands(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('Audit log tools')
    .command('verify')
    .description('Verify the hash chain of the audit log; exits 1 and names the first broken entry')
    .option('--workspace <id>', 'only this workspace')
    .option('--json', 'machine-readable output')
    .action(async (opts: { workspace?: string; json?: boolean }) => {
      await withDatabase(readConfig(ctx), async (db) => {
        const r = await verifyAuditChain(db, opts.workspace);
        if (opts.json) ctx.io.out(JSON.stringify(r));
        else if (r.ok) ctx.io.out(`audit chain intact: ${r.checked} entries in ${r.workspaces} workspace(s)`);
        else {
          const b = r.firstBroken!;
          ctx.io.err(
            `audit chain BROKEN at workspace ${b.workspaceId}, seq ${b.seq}, entry ${b.id ?? '(missing)'}: ${b.reason} — ${b.message}`,
          );
        }
        if (!r.ok) throw new CommandFailed();
      });
    });

  program
    .command('backup')
    .description('Write a consistent backup of the embedded database to <file> (PostgreSQL: use pg_dump)')
    .argument('<file>', 'backup file to write')
    .action(async (file: string) => {
      await withDatabase(readConfig(ctx), async (db) => {
        const manifest = await backupDatabase(db, file);
        ctx.io.out(`backup written to ${file} (${JSON.stringify(manifest)})`);
      });
    });

  program
    .command('restore')
    .description('Restore the embedded database from a backup (Switchboard must be stopped)')
    .argument('<file>', 'backup file')
    .option('--force', 'replace an existing database (it is moved aside, not deleted)')
    .action(async (file: string, opts: { force?: boolean }) => {
      const config = readConfig(ctx);
      if (!config.embedded)
        throw new UsageError('restore is for the embedded database; on PostgreSQL use pg_restore');
      const r = await restoreDatabase(config.dataDir, file, { force: opts.force === true });
      ctx.io.out(
        `restored ${file} into ${config.dataDir}` +
          (r.movedAsideTo ? `; previous data kept at ${r.movedAsideTo}` : ''),
      );
    });

  program
    .command('secrets')
    .description('Credential encryption')
    .command('rotate-key')
    .description('Re-encrypt every stored secret under a new key (stop Switchboard first)')
    .action(async () => {
      const config = readConfig(ctx);
      await withDatabase(config, async (db) => {
        const loaded = loadSecretBox({
          secretKey: config.secretKey,
          embedded: config.embedded,
          dataDir: config.dataDir,
        });
        const registry = new EncryptedColumnRegistry([
          ...KERNEL_ENCRYPTED_COLUMNS,
          ...MODULE_ENCRYPTED_COLUMNS,
        ]);
        const r = await rotateSecretKey({
          db: db.kysely,
          current: loaded.box,
          columns: registry.listEncryptedColumns(),
          keyFile: loaded.keyFile,
        });
        const counts =
          Object.entries(r.reencrypted)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || 'nothing stored yet';
        ctx.io.out(`rotated to key ${r.keyId} (${counts})`);
        if (!loaded.keyFile) {
          ctx.io.out(
            `The key comes from SWITCHBOARD_SECRET_KEY: set it to ${r.newKey.toString('base64')} on every process before restarting.`,
          );
        }
      });
    });
}
