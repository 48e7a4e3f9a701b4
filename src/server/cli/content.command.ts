/**
 * `switchboard content list|show|create|edit|transition|history|rollback` and `switchboard workflow show|apply`.
 * Commands run the same use cases as the API. `--as <email>` acts as that member of the workspace (with their
 * role, so guards such as four-eyes apply); without it, the CLI acts as the system (owner role), which can read
 * everything but cannot author content.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createAudit } from '../platform/audit/index.js';
import {
  findUserByEmail,
  listWorkspaces,
  selectMemberWorkspace,
  systemActor,
  type Actor,
} from '../platform/auth/index.js';
import { systemClock } from '../platform/clock.js';
import type { Executor } from '../platform/db/index.js';
import { NotFoundError } from '../platform/errors/index.js';
import { createEvents } from '../platform/events/index.js';
import { createMetricsRegistry } from '../platform/metrics.js';
import { createContentModule, type ContentService } from '../modules/content/index.js';
import { CONTENT_TYPES, type ContentType } from '../modules/content/workflow/index.js';
import { cliLogger, readConfig, withDatabase, type CliContext } from './context.js';
import { printList } from './output.js';
import { UsageError } from './serve.command.js';

interface ActingOpts {
  workspace: string;
  as?: string;
  json?: boolean;
}

async function resolveActor(db: Executor, opts: ActingOpts): Promise<Actor> {
  const ws = (await listWorkspaces(db)).find((w) => w.id === opts.workspace || w.slug === opts.workspace);
  if (!ws) throw new NotFoundError('Workspace', opts.workspace);
  if (!opts.as) return systemActor(ws.id, 'cli');
  const user = await findUserByEmail(db, opts.as);
  if (!user) throw new NotFoundError('User', opts.as);
  const member = await selectMemberWorkspace(db, user.id, ws.id);
  return {
    kind: 'user',
    userId: user.id,
    tokenId: null,
    workspaceId: ws.id,
    role: member.role,
    origin: 'cli',
  };
}

/** Opens the database, builds the content service and the actor, runs `fn`. */
async function withContent(
  ctx: CliContext,
  opts: ActingOpts,
  fn: (content: ContentService, actor: Actor) => Promise<void>,
): Promise<void> {
  const config = readConfig(ctx);
  const logger = cliLogger(config);
  await withDatabase(config, async (db) => {
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const module = createContentModule({
      config,
      db,
      clock: systemClock,
      logger,
      metrics,
      events: createEvents({ db, clock: systemClock, logger, metrics }),
      audit: createAudit({ db, clock: systemClock }),
    });
    await fn(module.content, await resolveActor(db.kysely, opts));
  });
}

function parseVersion(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--expect-version must be a positive integer; got ${value}`);
  return n;
}

function parseType(value: string): ContentType {
  if (!(CONTENT_TYPES as readonly string[]).includes(value)) {
    throw new UsageError(`--type must be one of ${CONTENT_TYPES.join(', ')}; got ${value}`);
  }
  return value as ContentType;
}

const readBody = (opts: { body?: string | undefined; bodyFile?: string | undefined }) =>
  opts.bodyFile !== undefined ? readFileSync(opts.bodyFile, 'utf8') : opts.body;
const splitTags = (tags?: string) =>
  tags === undefined
    ? undefined
    : tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);

function acting(cmd: Command): Command {
  return cmd
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--as <email>', 'act as this member (default: the system)')
    .option('--json', 'machine-readable output');
}

export function registerContentCommands(program: Command, ctx: CliContext): void {
  const out = (json: boolean | undefined, value: unknown, text: string) =>
    ctx.io.out(json ? JSON.stringify(value) : text);
  const content = program.command('content').description('Content items, versions and the workflow');

  acting(content.command('list').description('List content items'))
    .option('--state <state>', 'only items in this state')
    .option('--type <type>', CONTENT_TYPES.join(' | '))
    .action(async (opts: ActingOpts & { state?: string; type?: string }) => {
      const type = opts.type === undefined ? undefined : parseType(opts.type);
      await withContent(ctx, opts, async (svc, actor) => {
        const items = await svc.list(actor, { state: opts.state, type, limit: 500 });
        printList(
          ctx.io,
          items.map((i) => ({
            id: i.id,
            type: i.type,
            slug: i.slug,
            title: i.title,
            state: i.state,
            version: i.version,
          })),
          { json: opts.json ?? false },
        );
      });
    });

  acting(content.command('show <id>').description('Show an item with its current version')).action(
    async (id: string, opts: ActingOpts) => {
      await withContent(ctx, opts, async (svc, actor) => {
        const d = await svc.get(actor, id);
        out(
          opts.json,
          d,
          `${d.item.title} (${d.item.type}, ${d.item.slug})\nstate ${d.item.state}, version ${d.item.version}, ` +
            `content v${d.current.version} ${d.current.contentHash}\n\n${d.current.body}`,
        );
      });
    },
  );

  acting(content.command('create').description('Create a content item (needs --as: content has an owner)'))
    .requiredOption('--type <type>', CONTENT_TYPES.join(' | '))
    .requiredOption('--title <title>', 'title')
    .requiredOption('--slug <slug>', 'URL slug')
    .option('--body <text>', 'body text')
    .option('--body-file <path>', 'read the body from a file')
    .option('--format <format>', 'markdown | html | json', 'markdown')
    .option('--tags <a,b>', 'comma-separated tags')
    .option('--workflow <key>', 'workflow definition key', 'default')
    .action(async (opts: ActingOpts & Record<string, string | undefined>) => {
      await withContent(ctx, opts, async (svc, actor) => {
        const d = await svc.create(actor, {
          type: parseType(opts.type!),
          title: opts.title!,
          slug: opts.slug!,
          body: readBody({ body: opts.body, bodyFile: opts.bodyFile }),
          bodyFormat: opts.format as 'markdown' | 'html' | 'json',
          tags: splitTags(opts.tags),
          workflow: opts.workflow,
        });
        out(opts.json, d, `created ${d.item.id} in state ${d.item.state}, version ${d.item.version}`);
      });
    });

  acting(content.command('edit <id>').description('Edit an item; a visible change adds a version'))
    .requiredOption('--expect-version <n>', 'the version you last saw (stale → CONTENT_VERSION_CONFLICT)')
    .option('--title <title>', 'new title')
    .option('--body <text>', 'new body')
    .option('--body-file <path>', 'read the new body from a file')
    .option('--tags <a,b>', 'replace the tags')
    .action(async (id: string, opts: ActingOpts & Record<string, string | undefined>) => {
      await withContent(ctx, opts, async (svc, actor) => {
        const r = await svc.edit(actor, id, {
          expectedVersion: parseVersion(opts.expectVersion!),
          title: opts.title,
          body: readBody({ body: opts.body, bodyFile: opts.bodyFile }),
          tags: splitTags(opts.tags),
        });
        const moved = r.returnedToReview
          ? `; back to ${r.returnedToReview.to}: ${r.returnedToReview.reason}`
          : '';
        out(
          opts.json,
          r,
          `version ${r.item.version}, content v${r.current.version}, state ${r.item.state}${moved}`,
        );
      });
    });

  acting(
    content.command('transition <id> <action>').description('Take a workflow action (submit, approve …)'),
  )
    .requiredOption('--expect-version <n>', 'the version you last saw')
    .option('--reason <text>', 'why (required by some actions)')
    .action(
      async (id: string, action: string, opts: ActingOpts & { expectVersion: string; reason?: string }) => {
        await withContent(ctx, opts, async (svc, actor) => {
          const r = await svc.transition(actor, id, {
            action,
            reason: opts.reason,
            expectedVersion: parseVersion(opts.expectVersion),
          });
          const text = r.completed
            ? `${action}: now ${r.item.state}, version ${r.item.version}`
            : `${action}: approval recorded (${r.approvals?.count ?? 0}/${r.approvals?.required ?? 0}), still ${r.item.state}`;
          out(opts.json, r, text);
        });
      },
    );

  acting(content.command('history <id>').description('State changes and approvals, oldest first')).action(
    async (id: string, opts: ActingOpts) => {
      await withContent(ctx, opts, async (svc, actor) => {
        const h = await svc.history(actor, id);
        if (opts.json) return ctx.io.out(JSON.stringify(h));
        printList(
          ctx.io,
          h.transitions.map((t) => ({
            at: t.at,
            action: t.action,
            from: t.from,
            to: t.to,
            actor: t.actorUserId ?? t.actorKind,
            version: t.version,
            reason: t.reason,
          })),
          { json: false },
        );
      });
    },
  );

  acting(content.command('rollback <id> <target>').description('Move back to a state the item was in'))
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--expect-version <n>', 'the version you last saw')
    .action(
      async (id: string, target: string, opts: ActingOpts & { reason: string; expectVersion: string }) => {
        await withContent(ctx, opts, async (svc, actor) => {
          const item = await svc.rollback(actor, id, {
            target,
            reason: opts.reason,
            expectedVersion: parseVersion(opts.expectVersion),
          });
          out(opts.json, item, `rolled back to ${item.state}, version ${item.version}`);
        });
      },
    );

  const workflow = program.command('workflow').description('Workflow definitions');
  acting(workflow.command('show [key]').description('Show a workflow definition (default: list them all)'))
    .option('--version <n>', 'a specific version')
    .action(async (key: string | undefined, opts: ActingOpts & { version?: string }) => {
      await withContent(ctx, opts, async (svc, actor) => {
        if (key === undefined) {
          const defs = await svc.listWorkflows(actor);
          printList(
            ctx.io,
            defs.map((d) => ({
              key: d.key,
              version: d.version,
              name: d.definition.name,
              built_in: d.id === null,
            })),
            { json: opts.json ?? false },
          );
          return;
        }
        const d = await svc.showWorkflow(actor, key, opts.version ? parseVersion(opts.version) : undefined);
        ctx.io.out(JSON.stringify(opts.json ? d : d.definition, null, opts.json ? undefined : 2));
      });
    });
  acting(
    workflow.command('apply <file>').description('Validate a JSON definition and store it as a new version'),
  )
    .option('--dry-run', 'only validate')
    .action(async (file: string, opts: ActingOpts & { dryRun?: boolean }) => {
      let input: unknown;
      try {
        input = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new UsageError(`${file} is not readable JSON: ${(e as Error).message}`);
      }
      await withContent(ctx, opts, async (svc, actor) => {
        if (opts.dryRun) {
          const v = svc.checkWorkflow(actor, input);
          const text = v.ok
            ? 'valid'
            : v.problems.map((p) => `${p.path || '(document)'}: ${p.message}`).join('\n');
          return out(opts.json, v, text);
        }
        const d = await svc.applyWorkflow(actor, input);
        out(opts.json, d, `applied workflow ${d.key} version ${d.version}`);
      });
    });
}
