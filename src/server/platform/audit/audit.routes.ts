/**
 * The audit log over HTTP: a newest-first list and chain verification, both admin-only by policy.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../auth/actor.js';
import { authorize } from '../auth/policy.js';
import type { Db } from '../db/index.js';
import { UnauthenticatedError } from '../errors/index.js';
import type { HttpApp } from '../http/index.js';
import { decodeCursor, encodeCursor, page } from '../http/index.js';
import { BREAK_REASONS } from './audit-hash.js';
import { listAudit } from './audit.repo.js';
import { verifyAuditChain } from './audit-verify.js';

export interface AuditRoutesDeps {
  db: Db;
}

export const auditEntrySchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    at: z.string(),
    actor: z.object({
      kind: z.enum(['user', 'token', 'system']),
      userId: z.string().nullable(),
      tokenId: z.string().nullable(),
    }),
    origin: z.enum(['api', 'cli', 'job']),
    action: z.string(),
    subject: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .describe('An audit log entry, hash-chained per workspace');

export const auditVerifySchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  workspaces: z.number().int(),
  firstBroken: z
    .object({
      workspaceId: z.string(),
      seq: z.number().int(),
      id: z.string().nullable(),
      reason: z.enum(BREAK_REASONS),
      message: z.string(),
    })
    .optional(),
});

const cursorSchema = z.object({ before: z.number().int().min(1) });

function actorOf(request: FastifyRequest): Actor {
  const actor = (request as FastifyRequest & { actor?: Actor }).actor;
  if (!actor) throw new UnauthenticatedError();
  return actor;
}

export function registerAuditRoutes(app: HttpApp, deps: AuditRoutesDeps): void {
  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'List audit entries of your workspace, newest first',
        querystring: z.object({
          cursor: z.string().max(512).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          action: z.string().max(200).optional(),
          subject: z.string().max(500).optional(),
        }),
        response: { 200: page(auditEntrySchema) },
      },
      config: { action: 'audit.read' },
    },
    async (request) => {
      const actor = actorOf(request);
      authorize(actor, 'audit.read', { workspaceId: actor.workspaceId });
      const q = request.query;
      const items = await listAudit(deps.db.kysely, {
        workspaceId: actor.workspaceId,
        before: decodeCursor(q.cursor, cursorSchema)?.before,
        limit: q.limit,
        action: q.action,
        subject: q.subject,
      });
      const last = items[items.length - 1];
      return {
        items,
        nextCursor:
          last && items.length === q.limit && last.seq > 1 ? encodeCursor({ before: last.seq }) : null,
      };
    },
  );

  app.post(
    '/api/v1/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: "Recompute your workspace's audit hash chain and report the first broken entry",
        response: { 200: auditVerifySchema },
      },
      config: { action: 'audit.verify' },
    },
    async (request) => {
      const actor = actorOf(request);
      authorize(actor, 'audit.verify', { workspaceId: actor.workspaceId });
      return verifyAuditChain(deps.db, actor.workspaceId);
    },
  );
}
