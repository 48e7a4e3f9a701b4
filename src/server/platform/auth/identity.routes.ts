/**
 * `/api/v1/workspaces` (mine / create) and `/api/v1/users` (members of the current workspace / create one).
 * Lists are bounded per workspace, so they return a single page (`nextCursor: null`) in the standard envelope.
 */
import { z } from 'zod';
import { inTransaction, WORKSPACE_ROLES } from '../db/index.js';
import { ValidationError } from '../errors/index.js';
import { page, type HttpApp } from '../http/index.js';
import type { AuthDeps } from './auth.hook.js';
import { RoleTooHighError } from './auth.errors.js';
import { PASSWORD_MAX_LENGTH } from './password.js';
import { roleAtMost } from './policy.js';
import { createUser, listUsers } from './users.service.js';
import { createWorkspace, getWorkspace, listMemberWorkspaces } from './workspaces.service.js';
import { memberWorkspaceBody } from './auth.routes.js';

const memberBody = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(WORKSPACE_ROLES),
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  joinedAt: z.string(),
});

export function registerIdentityRoutes(app: HttpApp, deps: AuthDeps): void {
  app.get(
    '/api/v1/workspaces',
    {
      config: { action: 'workspace.read' },
      schema: {
        tags: ['workspaces'],
        summary: 'Workspaces you belong to (a token sees only its own)',
        response: { 200: page(memberWorkspaceBody) },
      },
    },
    async (request) => {
      const actor = request.actor;
      let items;
      if (actor.kind === 'user' && actor.userId) {
        items = await listMemberWorkspaces(deps.db, actor.userId);
      } else {
        const ws = await getWorkspace(deps.db, actor.workspaceId);
        items = ws ? [{ id: ws.id, slug: ws.slug, name: ws.name, role: actor.role }] : [];
      }
      return { items, nextCursor: null };
    },
  );

  app.post(
    '/api/v1/workspaces',
    {
      config: { action: 'workspace.create' },
      schema: {
        tags: ['workspaces'],
        summary: 'Create a workspace; you become its owner',
        body: z.object({ slug: z.string().min(1).max(63), name: z.string().min(1).max(200) }),
        response: { 201: memberWorkspaceBody },
      },
    },
    async (request, reply) => {
      const userId = request.actor.userId;
      if (!userId) throw new ValidationError('Workspaces are created by users (this token has no user)');
      const ws = await inTransaction(deps.db, async (tx) => {
        const created = await createWorkspace(tx, { ...request.body, ownerUserId: userId });
        // Recorded in the new workspace's own log: its first entry is its creation, by its owner.
        await deps.recordChange?.(
          tx,
          { ...request.actor, workspaceId: created.id, role: 'owner' },
          {
            action: 'workspace.create',
            subject: `workspace:${created.id}`,
            after: { slug: created.slug, name: created.name },
            event: { type: 'auth.workspace_created', payload: { id: created.id, slug: created.slug } },
          },
        );
        return created;
      });
      return reply.code(201).send({ id: ws.id, slug: ws.slug, name: ws.name, role: 'owner' as const });
    },
  );

  app.get(
    '/api/v1/users',
    {
      config: { action: 'users.read' },
      schema: {
        tags: ['users'],
        summary: 'Members of the current workspace',
        response: { 200: page(memberBody) },
      },
    },
    async (request) => {
      const members = await listUsers(deps.db, request.actor.workspaceId);
      return {
        items: members.map((m) => ({
          id: m.id,
          email: m.email,
          name: m.name,
          role: m.role,
          disabled: m.disabled,
          mustChangePassword: m.mustChangePassword,
          joinedAt: m.joinedAt.toISOString(),
        })),
        nextCursor: null,
      };
    },
  );

  app.post(
    '/api/v1/users',
    {
      config: { action: 'users.manage' },
      schema: {
        tags: ['users'],
        summary: 'Create a user with a role in the current workspace (never above your own role)',
        body: z.object({
          email: z.string().trim().min(3).max(320),
          name: z.string().max(200).optional(),
          password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
          role: z.enum(WORKSPACE_ROLES),
          mustChangePassword: z.boolean().optional(),
        }),
        response: { 201: memberBody },
      },
    },
    async (request, reply) => {
      const actor = request.actor;
      const body = request.body;
      if (!roleAtMost(body.role, actor.role)) throw new RoleTooHighError(body.role, actor.role);
      const user = await inTransaction(deps.db, async (tx) => {
        const created = await createUser(tx, {
          email: body.email,
          name: body.name ?? '',
          password: body.password,
          mustChangePassword: body.mustChangePassword ?? false,
          workspaceId: actor.workspaceId,
          role: body.role,
          ...(deps.scrypt ? { scrypt: deps.scrypt } : {}),
        });
        await deps.recordChange?.(tx, actor, {
          action: 'users.create',
          subject: `user:${created.id}`,
          after: { email: created.email, role: body.role },
          event: { type: 'auth.member_added', payload: { userId: created.id, role: body.role } },
        });
        return created;
      });
      return reply.code(201).send({
        id: user.id,
        email: user.email,
        name: user.name,
        role: body.role,
        disabled: user.disabled,
        mustChangePassword: user.mustChangePassword,
        joinedAt: user.createdAt.toISOString(),
      });
    },
  );
}
