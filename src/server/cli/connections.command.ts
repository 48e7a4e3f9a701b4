/**
 * `switchboard connections list|add|test` and the shared set-up of the ledger commands: the connections and
 * deliveries modules built on the configured database, acting as the system (owner role) of a workspace.
 */
import type { Command } from 'commander';
import { createAudit } from '../platform/audit/index.js';
import { listWorkspaces, systemActor, type Actor } from '../platform/auth/index.js';
import { systemClock } from '../platform/clock.js';
import type { Executor } from '../platform/db/index.js';
import { NotFoundError } from '../platform/errors/index.js';
import { createEvents } from '../platform/events/index.js';
import { createMetricsRegistry } from '../platform/metrics.js';
import { createContentModule } from '../modules/content/index.js';
import { createConnectionsModule, type ConnectionsModule } from '../modules/connections/index.js';
import { createDeliveriesModule, type DeliveriesModule } from '../modules/deliveries/index.js';
import type { ModuleDeps } from '../modules/module.js';
import { CommandFailed, cliLogger, readConfig, withDatabase, type CliContext } from './context.js';
import { printList } from './output.js';
import { UsageError } from './serve.command.js';

export interface LedgerCli {
  connections: ConnectionsModule;
  deliveries: DeliveriesModule;
  actor: Actor;
}

/** Opens the database, builds the ledger modules and the system actor of `--workspace`, runs `fn`. */
export async function withLedger(
  ctx: CliContext,
  workspace: string,
  fn: (l: LedgerCli) => Promise<void>,
): Promise<void> {
  const config = readConfig(ctx);
  const logger = cliLogger(config);
  await withDatabase(config, async (db) => {
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const deps: ModuleDeps = {
      config,
      db,
      clock: systemClock,
      logger,
      metrics,
      events: createEvents({ db, clock: systemClock, logger, metrics }),
      audit: createAudit({ db, clock: systemClock }),
    };
    const connections = createConnectionsModule(deps);
    const contentIn = (tx: Executor) => createContentModule({ ...deps, db: { ...db, kysely: tx } }).content;
    const deliveries = createDeliveriesModule({ ...deps, connections: connections.port, content: contentIn });
    const ws = (await listWorkspaces(db.kysely)).find((w) => w.id === workspace || w.slug === workspace);
    if (!ws) throw new NotFoundError('Workspace', workspace);
    await fn({ connections, deliveries, actor: systemActor(ws.id, 'cli') });
  });
}

function parseJsonOption(name: string, value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(value);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new UsageError(`${name} must be a JSON object, e.g. '{"accessToken":"pat-…"}'`);
}

export function registerConnectionsCommands(program: Command, ctx: CliContext): void {
  const cmd = program.command('connections').description('Connections to marketing platforms');

  cmd
    .command('list')
    .description('List connections with status and health (credentials are never shown)')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--json', 'machine-readable output')
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withLedger(ctx, opts.workspace, async ({ connections, actor }) => {
        const items = await connections.services.list(actor);
        printList(
          ctx.io,
          items.map((c) => ({
            id: c.id,
            vendor: c.vendor,
            name: c.sandbox ? `${c.name} [sandbox]` : c.name,
            status: c.status,
            baseUrl: c.baseUrl,
            breaker: c.breakerState,
            lastSuccessAt: c.lastSuccessAt?.toISOString() ?? '',
            lastError: (c.lastError?.kind as string | undefined) ?? '',
          })),
          { json: opts.json ?? false },
        );
      });
    });

  cmd
    .command('add')
    .description('Add a connection; config and credentials are JSON validated by the connector')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .requiredOption('--vendor <id>', 'connector id (hubspot, marketo, …)')
    .requiredOption('--name <name>', 'display name')
    .option('--base-url <url>', "override the vendor's API URL (sandbox, regional host)")
    .option('--config <json>', 'connector config as JSON')
    .option('--credentials <json>', 'credentials as JSON (stored encrypted, never shown again)')
    .option('--sandbox', 'label the connection as a sandbox')
    .option('--json', 'machine-readable output')
    .action(
      async (opts: {
        workspace: string;
        vendor: string;
        name: string;
        baseUrl?: string;
        config?: string;
        credentials?: string;
        sandbox?: boolean;
        json?: boolean;
      }) => {
        await withLedger(ctx, opts.workspace, async ({ connections, actor }) => {
          const c = await connections.services.create(actor, {
            vendor: opts.vendor,
            name: opts.name,
            baseUrl: opts.baseUrl,
            config: parseJsonOption('--config', opts.config),
            credentials: parseJsonOption('--credentials', opts.credentials),
            sandbox: opts.sandbox ?? false,
          });
          ctx.io.out(
            opts.json
              ? JSON.stringify({ id: c.id, vendor: c.vendor, name: c.name, status: c.status })
              : `created connection ${c.id} (${c.vendor}, ${c.name})`,
          );
        });
      },
    );

  cmd
    .command('test <id>')
    .description("Run the connector's test call against the vendor (exit 1 when it fails)")
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { workspace: string; json?: boolean }) => {
      await withLedger(ctx, opts.workspace, async ({ connections, actor }) => {
        const r = await connections.services.test(actor, id);
        ctx.io.out(
          opts.json
            ? JSON.stringify(r)
            : r.ok
              ? `ok${r.account ? ` (account ${r.account})` : ''} in ${r.durationMs} ms`
              : `failed: ${String(r.error?.kind ?? 'error')}: ${String(r.error?.message ?? '')}`,
        );
        // Scripts and health checks rely on the exit code: a vendor that refuses is an error.
        if (!r.ok) throw new CommandFailed();
      });
    });
}
