/**
 * `switchboard workspace|user|token create|list`. The CLI runs with database access (an operator on the host), so
 * it acts as the system for workspaces and users, and as the named user for tokens (a token never exceeds its
 * owner's role).
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { Actor } from '../platform/auth/index.js';
import {
  createToken,
  createUser,
  createWorkspace,
  findUserByEmail,
  listTokens,
  listUsers,
  listWorkspaces,
  selectMemberWorkspace,
} from '../platform/auth/index.js';
import { systemClock } from '../platform/clock.js';
import { WORKSPACE_ROLES, type Executor, type WorkspaceRole } from '../platform/db/index.js';
import { NotFoundError } from '../platform/errors/index.js';
import { readConfig, withDatabase, type CliContext } from './context.js';
import { printList } from './output.js';
import { UsageError } from './serve.command.js';

function parseRole(value: string): WorkspaceRole {
  if (!(WORKSPACE_ROLES as readonly string[]).includes(value)) {
    throw new UsageError(`--role must be one of ${WORKSPACE_ROLES.join(', ')}; got ${value}`);
  }
  return value as WorkspaceRole;
}

async function findWorkspace(db: Executor, idOrSlug: string) {
  const all = await listWorkspaces(db);
  const ws = all.find((w) => w.id === idOrSlug || w.slug === idOrSlug);
  if (!ws) throw new NotFoundError('Workspace', idOrSlug);
  return ws;
}

export function registerIdentityCommands(program: Command, ctx: CliContext): void {
  const workspace = program.command('workspace').description('Manage workspaces');
  workspace
    .command('create')
    .description('Create a workspace')
    .requiredOption('--slug <slug>', 'URL-safe identifier (a-z, 0-9, -)')
    .option('--name <name>', 'display name (default: the slug)')
    .option('--owner <email>', 'an existing user who becomes the owner')
    .option('--json', 'machine-readable output')
    .action(async (opts: { slug: string; name?: string; owner?: string; json?: boolean }) => {
      await withDatabase(readConfig(ctx), async (db) => {
        const owner = opts.owner ? await findUserByEmail(db.kysely, opts.owner) : null;
        if (opts.owner && !owner) throw new NotFoundError('User', opts.owner);
        const ws = await createWorkspace(db.kysely, {
          slug: opts.slug,
          name: opts.name ?? opts.slug,
          ownerUserId: owner?.id ?? null,
        });
        ctx.io.out(opts.json ? JSON.stringify(ws) : `created workspace ${ws.slug} (${ws.id})`);
      });
    });
  workspace
    .command('list')
    .description('List workspaces')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withDatabase(readConfig(ctx), async (db) => {
        const rows = await listWorkspaces(db.kysely);
        printList(
          ctx.io,
          rows.map((w) => ({ id: w.id, slug: w.slug, name: w.name, created_at: w.createdAt })),
          { json: opts.json ?? false },
        );
      });
    });

  const user = program.command('user').description('Manage users');
  user
    .command('create')
    .description(
      'Create a user with a role in a workspace (prints a one-time password unless --password is given)',
    )
    .requiredOption('--email <email>', 'login email')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .requiredOption('--role <role>', WORKSPACE_ROLES.join(' | '))
    .option('--name <name>', 'display name')
    .option(
      '--password <password>',
      'initial password (12+ characters); omit to generate a one-time password',
    )
    .option('--json', 'machine-readable output')
    .action(
      async (opts: {
        email: string;
        workspace: string;
        role: string;
        name?: string;
        password?: string;
        json?: boolean;
      }) => {
        const role = parseRole(opts.role);
        await withDatabase(readConfig(ctx), async (db) => {
          const ws = await findWorkspace(db.kysely, opts.workspace);
          const generated = opts.password ? null : randomBytes(15).toString('base64url');
          const created = await createUser(db.kysely, {
            email: opts.email,
            ...(opts.name ? { name: opts.name } : {}),
            password: opts.password ?? generated,
            mustChangePassword: generated !== null,
            workspaceId: ws.id,
            role,
          });
          if (opts.json) ctx.io.out(JSON.stringify({ ...created, oneTimePassword: generated }));
          else {
            ctx.io.out(`created user ${created.email} (${created.id}) as ${role} in ${ws.slug}`);
            if (generated)
              ctx.io.out(`one-time password (shown once, must be changed at first sign-in): ${generated}`);
          }
        });
      },
    );
  user
    .command('list')
    .description('List the members of a workspace')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--json', 'machine-readable output')
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withDatabase(readConfig(ctx), async (db) => {
        const ws = await findWorkspace(db.kysely, opts.workspace);
        const rows = await listUsers(db.kysely, ws.id);
        printList(
          ctx.io,
          rows.map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, joined_at: u.joinedAt })),
          { json: opts.json ?? false },
        );
      });
    });

  const token = program.command('token').description('Manage API tokens');
  const actorFor = async (db: Executor, email: string, workspaceSlug: string): Promise<Actor> => {
    const u = await findUserByEmail(db, email);
    if (!u) throw new NotFoundError('User', email);
    const ws = await findWorkspace(db, workspaceSlug);
    const member = await selectMemberWorkspace(db, u.id, ws.id);
    return {
      kind: 'user',
      userId: u.id,
      tokenId: null,
      workspaceId: member.id,
      role: member.role,
      origin: 'cli',
    };
  };
  token
    .command('create')
    .description('Create an API token for a user (printed once)')
    .requiredOption('--user <email>', 'the token belongs to this user')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--role <role>', 'role carried by the token (default: the user’s role; never higher)')
    .option('--expires-at <iso>', 'expiry time (ISO 8601)')
    .option('--json', 'machine-readable output')
    .action(
      async (opts: {
        user: string;
        workspace: string;
        name: string;
        role?: string;
        expiresAt?: string;
        json?: boolean;
      }) => {
        const expiresAt = opts.expiresAt ? new Date(opts.expiresAt) : null;
        if (expiresAt && Number.isNaN(expiresAt.getTime()))
          throw new UsageError(`--expires-at is not a date: ${opts.expiresAt}`);
        await withDatabase(readConfig(ctx), async (db) => {
          const actor = await actorFor(db.kysely, opts.user, opts.workspace);
          const role = opts.role ? parseRole(opts.role) : actor.role;
          const created = await createToken(db.kysely, systemClock, actor, {
            name: opts.name,
            role,
            expiresAt,
          });
          if (opts.json) ctx.io.out(JSON.stringify(created));
          else
            ctx.io.out(
              `created token ${created.name} (${created.id}), role ${created.role}\n${created.token}\n(shown once)`,
            );
        });
      },
    );
  token
    .command('list')
    .description('List the API tokens of a workspace (no secrets)')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--json', 'machine-readable output')
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withDatabase(readConfig(ctx), async (db) => {
        const ws = await findWorkspace(db.kysely, opts.workspace);
        const actor: Actor = {
          kind: 'system',
          userId: null,
          tokenId: null,
          workspaceId: ws.id,
          role: 'owner',
          origin: 'cli',
        };
        const rows = await listTokens(db.kysely, actor);
        printList(
          ctx.io,
          rows.map((t) => ({
            id: t.id,
            name: t.name,
            role: t.role,
            prefix: t.prefix,
            expires_at: t.expiresAt,
            last_used_at: t.lastUsedAt,
          })),
          { json: opts.json ?? false },
        );
      });
    });
}
