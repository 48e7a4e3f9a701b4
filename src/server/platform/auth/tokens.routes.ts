/** `/api/v1/tokens`: create (secret shown once), list (no secrets), revoke. */
import { z } from 'zod';
import { inTransaction, WORKSPACE_ROLES } from '../db/index.js';
import { page, type HttpApp } from '../http/index.js';
import type { AuthDeps } from './auth.hook.js';
import { createToken, listTokens, revokeToken, type ApiToken } from './tokens.service.js';

const TAGS = ['tokens'];

const tokenBody = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(WORKSPACE_ROLES),
  prefix: z.string().describe('First characters of the token, to tell tokens apart'),
  createdBy: z.string().nullable(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  createdAt: z.string(),
});

function toBody(t: ApiToken): z.infer<typeof tokenBody> {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    prefix: t.prefix,
    createdBy: t.createdBy,
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
  };
}

export function registerTokenRoutes(app: HttpApp, deps: AuthDeps): void {
  app.post(
    '/api/v1/tokens',
    {
      config: { action: 'tokens.create' },
      schema: {
        tags: TAGS,
        summary: 'Create an API token in the current workspace; the secret is returned only in this response',
        description: 'The role may not exceed yours (403 ROLE_TOO_HIGH).',
        body: z.object({
          name: z.string().trim().min(1).max(200),
          role: z.enum(WORKSPACE_ROLES),
          expiresAt: z.iso.datetime({ offset: true }).optional(),
        }),
        response: {
          201: tokenBody.extend({ token: z.string().describe('Bearer secret `sb_…`; store it now') }),
        },
      },
    },
    async (request, reply) => {
      const { name, role, expiresAt } = request.body;
      const created = await inTransaction(deps.db, async (tx) => {
        const token = await createToken(tx, deps.clock, request.actor, {
          name,
          role,
          expiresAt: expiresAt ? new Date(expiresAt) : null,
        });
        await deps.recordChange?.(tx, request.actor, {
          action: 'tokens.create',
          subject: `token:${token.id}`,
          after: { name: token.name, role: token.role, expiresAt: token.expiresAt, prefix: token.prefix },
          event: {
            type: 'auth.token_created',
            payload: { id: token.id, name: token.name, role: token.role },
          },
        });
        return token;
      });
      return reply.code(201).send({ ...toBody(created), token: created.token });
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      config: { action: 'tokens.read' },
      schema: {
        tags: TAGS,
        summary: 'Active tokens of the current workspace (admins: all; others: their own). No secrets.',
        response: { 200: page(tokenBody) },
      },
    },
    async (request) => ({ items: (await listTokens(deps.db, request.actor)).map(toBody), nextCursor: null }),
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      config: { action: 'tokens.revoke' },
      schema: {
        tags: TAGS,
        summary: 'Revoke a token (your own, or any for admins)',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await inTransaction(deps.db, async (tx) => {
        await revokeToken(tx, deps.clock, request.actor, request.params.id);
        await deps.recordChange?.(tx, request.actor, {
          action: 'tokens.revoke',
          subject: `token:${request.params.id}`,
          event: { type: 'auth.token_revoked', payload: { id: request.params.id } },
        });
      });
      return reply.code(204).send(null);
    },
  );
}
