/**
 * `switchboard events consumers`: where each durable event consumer is in each workspace's event log (cursor,
 * head, lag, last error), the same report as `GET /api/v1/events/consumers`, for every workspace at once.
 *
 * The consumers are the ones this build registers: the command composes the modules like the server does (without
 * starting anything) to learn them, so a consumer that never ran still shows up, at cursor 0.
 */
import type { Command } from 'commander';
import { buildModules } from '../modules.js';
import { createAudit } from '../platform/audit/index.js';
import { listWorkspaces } from '../platform/auth/index.js';
import { systemClock } from '../platform/clock.js';
import { NotFoundError } from '../platform/errors/index.js';
import { createEvents, listConsumerLagReport } from '../platform/events/index.js';
import { createMetricsRegistry } from '../platform/metrics.js';
import { CommandFailed, cliLogger, readConfig, withDatabase, type CliContext } from './context.js';
import { printList } from './output.js';

interface ConsumersOpts {
  workspace?: string;
  behind?: boolean;
  failOnError?: boolean;
  json?: boolean;
}

export function registerEventsCommands(program: Command, ctx: CliContext): void {
  const events = program.command('events').description('The event log and its durable consumers');
  events
    .command('consumers')
    .description('Each event consumer per workspace: cursor, head, lag and last error')
    .option('--workspace <slug>', 'only this workspace (slug or id)')
    .option('--behind', 'only consumers with lag > 0 or an error')
    .option('--fail-on-error', 'exit 1 when a consumer has a last error (for monitoring scripts)')
    .option('--json', 'machine-readable output')
    .action(async (opts: ConsumersOpts) => {
      const config = readConfig(ctx);
      const logger = cliLogger(config);
      await withDatabase(config, async (db) => {
        const workspaces = await listWorkspaces(db.kysely);
        const ws = opts.workspace
          ? workspaces.find((w) => w.id === opts.workspace || w.slug === opts.workspace)
          : undefined;
        if (opts.workspace && !ws) throw new NotFoundError('Workspace', opts.workspace);
        const metrics = createMetricsRegistry({ defaultMetrics: false });
        const bus = createEvents({ db, clock: systemClock, logger, metrics });
        // Registers every module's consumers on `bus.consumers`; nothing is started.
        buildModules({
          config,
          db,
          clock: systemClock,
          logger,
          metrics,
          events: bus,
          audit: createAudit({ db, clock: systemClock }),
        });
        const report = await listConsumerLagReport(db.kysely, bus.consumers, { workspaceId: ws?.id });
        const rows = opts.behind ? report.filter((r) => r.lag > 0 || r.lastError !== null) : report;
        const slugOf = new Map(workspaces.map((w) => [w.id, w.slug]));
        printList(
          ctx.io,
          opts.json
            ? rows.map((r) => ({ ...r, workspace: slugOf.get(r.workspaceId) ?? r.workspaceId }))
            : rows.map((r) => ({
                consumer: r.registered ? r.consumer : `${r.consumer} (not registered)`,
                workspace: slugOf.get(r.workspaceId) ?? r.workspaceId,
                cursor: r.cursor,
                head: r.head,
                lag: r.lag,
                updated_at: r.updatedAt,
                last_error: r.lastError?.split('\n')[0]?.slice(0, 120) ?? '',
              })),
          { json: opts.json ?? false },
        );
        if (opts.failOnError && rows.some((r) => r.lastError !== null)) throw new CommandFailed();
      });
    });
}
