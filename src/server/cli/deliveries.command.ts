/** `switchboard deliveries list|show|replay|resolve`: the publishing ledger from the command line. */
import type { Command } from 'commander';
import {
  DELIVERY_STATUSES,
  RESOLVE_OUTCOMES,
  type DeliveryStatus,
  type ResolveOutcome,
} from '../modules/deliveries/index.js';
import type { CliContext } from './context.js';
import { withLedger } from './connections.command.js';
import { printList } from './output.js';
import { UsageError } from './serve.command.js';

function parseSince(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--since must be an ISO date/time; got ${value}`);
  return d;
}

export function registerDeliveriesCommands(program: Command, ctx: CliContext): void {
  const cmd = program.command('deliveries').description('The publishing ledger');

  cmd
    .command('list')
    .description('List deliveries, newest first')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--status <status>', DELIVERY_STATUSES.join(' | '))
    .option('--connection <id>', 'only this connection')
    .option('--content <id>', 'only this content item')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'machine-readable output')
    .action(
      async (opts: {
        workspace: string;
        status?: string;
        connection?: string;
        content?: string;
        limit: string;
        json?: boolean;
      }) => {
        if (opts.status && !(DELIVERY_STATUSES as readonly string[]).includes(opts.status)) {
          throw new UsageError(`--status must be one of ${DELIVERY_STATUSES.join(', ')}`);
        }
        await withLedger(ctx, opts.workspace, async ({ deliveries, actor }) => {
          const r = await deliveries.services.page(actor, {
            status: opts.status as DeliveryStatus | undefined,
            connectionId: opts.connection,
            contentId: opts.content,
            limit: Math.min(500, Math.max(1, Number(opts.limit) || 50)),
          });
          printList(
            ctx.io,
            r.items.map((d) => ({
              id: d.id,
              status: d.status,
              action: d.action,
              connection: d.connectionId,
              content: d.contentId ?? '',
              attempts: d.attemptCount,
              externalUrl: d.externalUrl ?? '',
              error: (d.lastError?.message as string | undefined) ?? '',
            })),
            { json: opts.json ?? false },
          );
        });
      },
    );

  cmd
    .command('show <id>')
    .description('Show a delivery with every attempt (the evidence for decisions)')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { workspace: string; json?: boolean }) => {
      await withLedger(ctx, opts.workspace, async ({ deliveries, actor }) => {
        const r = await deliveries.services.show(actor, id);
        if (opts.json) return ctx.io.out(JSON.stringify(r));
        const d = r.delivery;
        ctx.io.out(
          `${d.id} ${d.action} → ${d.connectionId}: ${d.status}` +
            (d.externalId ? ` (external ${d.externalId}${d.externalUrl ? ` ${d.externalUrl}` : ''})` : '') +
            `\nidempotency key ${d.idempotencyKey}, generation ${d.generation}`,
        );
        printList(
          ctx.io,
          r.attempts.map((a) => ({
            n: a.n,
            startedAt: a.startedAt.toISOString(),
            durationMs: a.durationMs ?? '',
            outcome: a.outcome ?? 'in flight',
            error: (a.error?.message as string | undefined) ?? '',
          })),
          {},
        );
      });
    });

  cmd
    .command('replay [id]')
    .description('Replay one failed delivery, or every failed one (of --connection, --since)')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--connection <id>', 'only this connection (bulk)')
    .option('--since <iso>', 'only deliveries created since (bulk)')
    .action(
      async (id: string | undefined, opts: { workspace: string; connection?: string; since?: string }) => {
        await withLedger(ctx, opts.workspace, async ({ deliveries, actor }) => {
          if (id) {
            const d = await deliveries.services.replay(actor, id);
            ctx.io.out(`replaying ${d.id} (generation ${d.generation})`);
            return;
          }
          const r = await deliveries.services.replayFailed(actor, {
            connectionId: opts.connection,
            since: parseSince(opts.since),
          });
          ctx.io.out(`replaying ${r.replayed.length} failed deliveries`);
        });
      },
    );

  cmd
    .command('resolve <id>')
    .description('Decide an unknown delivery: succeeded (with --external-id), retry or failed')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .requiredOption('--outcome <outcome>', RESOLVE_OUTCOMES.join(' | '))
    .requiredOption('--note <text>', 'why (audited)')
    .option('--external-id <id>', 'the object found at the vendor (outcome succeeded)')
    .option('--external-url <url>', 'its URL')
    .action(
      async (
        id: string,
        opts: { workspace: string; outcome: string; note: string; externalId?: string; externalUrl?: string },
      ) => {
        if (!(RESOLVE_OUTCOMES as readonly string[]).includes(opts.outcome)) {
          throw new UsageError(`--outcome must be one of ${RESOLVE_OUTCOMES.join(', ')}`);
        }
        await withLedger(ctx, opts.workspace, async ({ deliveries, actor }) => {
          const d = await deliveries.services.resolve(actor, id, {
            outcome: opts.outcome as ResolveOutcome,
            note: opts.note,
            externalId: opts.externalId,
            externalUrl: opts.externalUrl,
          });
          ctx.io.out(`${d.id} is now ${d.status}`);
        });
      },
    );
}
