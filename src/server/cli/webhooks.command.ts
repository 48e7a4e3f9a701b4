/**
 * `switchboard webhooks list|add|rotate-secret|replay|log`: outbound subscriptions from the command line, through
 * the same use cases as the API. The CLI acts as the system (owner role) of `--workspace`. Messages created here
 * (replay) are delivered by the server's workers.
 */
import type { Command } from 'commander';
import { createAudit } from '../platform/audit/index.js';
import { listWorkspaces, systemActor, type Actor } from '../platform/auth/index.js';
import { systemClock } from '../platform/clock.js';
import { loadSecretBox } from '../platform/crypto/index.js';
import { NotFoundError } from '../platform/errors/index.js';
import { createEvents } from '../platform/events/index.js';
import { createMetricsRegistry } from '../platform/metrics.js';
import { createWebhooksModule, type WebhookServices } from '../modules/webhooks/index.js';
import { cliLogger, readConfig, withDatabase, type CliContext } from './context.js';
import { printList } from './output.js';
import { UsageError } from './serve.command.js';

interface WsOpts {
  workspace: string;
  json?: boolean;
}

async function withWebhooks(
  ctx: CliContext,
  opts: WsOpts,
  fn: (svc: WebhookServices, actor: Actor) => Promise<void>,
): Promise<void> {
  const config = readConfig(ctx);
  const logger = cliLogger(config);
  await withDatabase(config, async (db) => {
    const ws = (await listWorkspaces(db.kysely)).find(
      (w) => w.id === opts.workspace || w.slug === opts.workspace,
    );
    if (!ws) throw new NotFoundError('Workspace', opts.workspace);
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const module = createWebhooksModule({
      config,
      db,
      clock: systemClock,
      logger,
      metrics,
      events: createEvents({ db, clock: systemClock, logger, metrics }),
      audit: createAudit({ db, clock: systemClock }),
      secrets: loadSecretBox({
        secretKey: config.secretKey,
        embedded: config.embedded,
        dataDir: config.dataDir,
      }).box,
    });
    try {
      await fn(module.services, systemActor(ws.id, 'cli'));
    } finally {
      await module.close();
    }
  });
}

const withWorkspace = (cmd: Command) =>
  cmd
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--json', 'machine-readable output');

export function registerWebhooksCommands(program: Command, ctx: CliContext): void {
  const out = (json: boolean | undefined, value: unknown, text: string) =>
    ctx.io.out(json ? JSON.stringify(value, null, 2) : text);
  const webhooks = program
    .command('webhooks')
    .description('Outbound webhook subscriptions, messages and replay');

  withWorkspace(webhooks.command('list').description('List subscriptions')).action(async (opts: WsOpts) => {
    await withWebhooks(ctx, opts, async (svc, actor) => {
      const { items } = await svc.pageSubscriptions(actor, { limit: 500 });
      printList(
        ctx.io,
        items.map((s) => ({
          id: s.id,
          url: s.url,
          events: s.eventTypes.join(',') || '*',
          enabled: s.enabled,
          ordering: s.ordering,
          disabled: s.disabledReason ?? '',
        })),
        { json: opts.json ?? false },
      );
    });
  });

  withWorkspace(
    webhooks.command('add <url>').description('Create a subscription; prints the whsec_ secret once'),
  )
    .option('--events <a.b,c.*>', 'event types and prefixes (default: every event)')
    .option('--description <text>', 'what it is for')
    .option('--parallel', 'deliver in parallel instead of in event order')
    .option('--filter <json>', 'payload filter, e.g. {"item.type":"email"}')
    .action(
      async (
        url: string,
        opts: WsOpts & { events?: string; description?: string; parallel?: boolean; filter?: string },
      ) => {
        let payloadFilter: Record<string, unknown> | undefined;
        if (opts.filter !== undefined) {
          try {
            payloadFilter = JSON.parse(opts.filter) as Record<string, unknown>;
          } catch {
            throw new UsageError('--filter must be a JSON object');
          }
        }
        await withWebhooks(ctx, opts, async (svc, actor) => {
          const { subscription, secret } = await svc.createSubscription(actor, {
            url,
            eventTypes: opts.events
              ? opts.events
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean)
              : [],
            description: opts.description,
            ordering: opts.parallel ? 'parallel' : 'ordered',
            payloadFilter,
          });
          out(
            opts.json,
            { id: subscription.id, url: subscription.url, secret },
            `subscription ${subscription.id}\nsecret ${secret}\n(the secret is shown only now)`,
          );
        });
      },
    );

  withWorkspace(
    webhooks
      .command('rotate-secret <subscriptionId>')
      .description('New secret; the old one signs too for 24 h'),
  ).action(async (id: string, opts: WsOpts) => {
    await withWebhooks(ctx, opts, async (svc, actor) => {
      const r = await svc.rotateSubscriptionSecret(actor, id);
      out(
        opts.json,
        { id, secret: r.secret, previousValidUntil: r.previousValidUntil.toISOString() },
        `secret ${r.secret}\nthe previous secret keeps signing until ${r.previousValidUntil.toISOString()}`,
      );
    });
  });

  withWorkspace(
    webhooks.command('replay').description('Replay a message, dead messages or everything since a time'),
  )
    .option('--message <id>', 'one message (msg_…)')
    .option('--dead <subscriptionId>', 'every dead message of a subscription')
    .option('--since <iso>', 'every finished message since this time (with --subscription to narrow)')
    .option('--subscription <id>', 'with --since')
    .action(
      async (opts: WsOpts & { message?: string; dead?: string; since?: string; subscription?: string }) => {
        const chosen = [opts.message, opts.dead, opts.since].filter((v) => v !== undefined).length;
        if (chosen !== 1) throw new UsageError('give exactly one of --message, --dead, --since');
        let since: Date | undefined;
        if (opts.since !== undefined) {
          since = new Date(opts.since);
          if (Number.isNaN(since.getTime()))
            throw new UsageError(`--since must be an ISO time; got ${opts.since}`);
        }
        await withWebhooks(ctx, opts, async (svc, actor) => {
          const r = await svc.replayMessages(
            actor,
            opts.message
              ? { kind: 'message', messageId: opts.message }
              : opts.dead
                ? { kind: 'dead', subscriptionId: opts.dead }
                : { kind: 'since', since: since!, subscriptionId: opts.subscription },
          );
          out(
            opts.json,
            r,
            `replayed ${r.replayed.length} message(s)${r.skipped ? `, skipped ${r.skipped} (disabled subscription)` : ''}`,
          );
        });
      },
    );

  withWorkspace(
    webhooks
      .command('allowed-hosts [hosts...]')
      .description('Show, or set, the hosts webhooks may reach on private addresses'),
  )
    .option('--clear', 'allow no private hosts')
    .action(async (hosts: string[], opts: WsOpts & { clear?: boolean }) => {
      await withWebhooks(ctx, opts, async (svc, actor) => {
        const r =
          hosts.length || opts.clear
            ? await svc.setWebhookSettings(actor, { allowedHosts: opts.clear ? [] : hosts })
            : await svc.getWebhookSettings(actor);
        out(opts.json, r, r.allowedHosts.join('\n') || '(none)');
      });
    });

  withWorkspace(webhooks.command('log').description('Message log, newest first'))
    .option('--subscription <id>', 'one subscription')
    .option('--status <status>', 'pending | succeeded | dead')
    .option('--limit <n>', 'how many (default 50)', '50')
    .option('--message <id>', 'one message with every attempt')
    .action(
      async (opts: WsOpts & { subscription?: string; status?: string; limit: string; message?: string }) => {
        const status = opts.status;
        if (status !== undefined && !['pending', 'succeeded', 'dead'].includes(status))
          throw new UsageError('--status must be pending, succeeded or dead');
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500)
          throw new UsageError('--limit must be 1–500');
        await withWebhooks(ctx, opts, async (svc, actor) => {
          if (opts.message) {
            const { message, attempts } = await svc.getMessageWithAttempts(actor, opts.message);
            if (opts.json) return out(true, { message, attempts }, '');
            ctx.io.out(`${message.id} ${message.eventType} ${message.status} (${message.attempts} attempts)`);
            printList(
              ctx.io,
              attempts.map((a) => ({
                attempt: a.attempt,
                at: a.startedAt,
                outcome: a.outcome,
                status: a.responseStatus,
                ms: a.durationMs,
                error: a.error ?? '',
              })),
              {},
            );
            return;
          }
          const { items } = await svc.pageMessages(actor, {
            subscriptionId: opts.subscription,
            status: status as 'pending' | 'succeeded' | 'dead' | undefined,
            limit,
          });
          printList(
            ctx.io,
            items.map((m) => ({
              id: m.id,
              event: m.eventType,
              status: m.status,
              attempts: m.attempts,
              last: m.lastStatus ?? m.lastError ?? '',
              created: m.createdAt,
            })),
            { json: opts.json ?? false },
          );
        });
      },
    );
}
