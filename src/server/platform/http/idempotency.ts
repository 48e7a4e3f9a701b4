/**
 * `Idempotency-Key` on unsafe POSTs (the Stripe convention):
 * - same key, same request → the first response is replayed (with `Idempotent-Replayed: true`);
 * - same key, different request → 422 IDEMPOTENCY_KEY_REUSED;
 * - same key while the first is still running → 409 IDEMPOTENCY_KEY_IN_PROGRESS.
 * Keys are scoped to the caller (workspace + user or token) and kept 24 h. 5xx responses are not stored, so the
 * client may retry them with the same key.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/index.js';
import { AppError } from '../errors/index.js';
import type { HttpApp } from './http-app.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface Pending {
  scope: string;
  key: string;
}
const pendingKey = Symbol('idempotency');

function actorOf(request: FastifyRequest): Actor | undefined {
  return (request as FastifyRequest & { actor?: Actor }).actor;
}

export function hashRequest(method: string, route: string, body: unknown): string {
  return createHash('sha256')
    .update(method + '\n' + route + '\n' + JSON.stringify(body ?? null))
    .digest('hex');
}

export function registerIdempotency(app: HttpApp, deps: { db: Db; clock: Clock }): void {
  const { db, clock } = deps;
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const raw = request.headers['idempotency-key'];
    if (raw === undefined) return;
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key || !KEY_PATTERN.test(key)) {
      throw new AppError(
        'IDEMPOTENCY_KEY_INVALID',
        400,
        'Idempotency-Key must be 1–255 printable ASCII characters',
      );
    }
    const actor = actorOf(request);
    const scope = actor
      ? `${actor.workspaceId}:${actor.tokenId ?? actor.userId ?? 'system'}`
      : `ip:${request.ip}`;
    const requestHash = hashRequest(request.method, request.url.split('?')[0] ?? request.url, request.body);
    const expiredBefore = new Date(clock.nowMs() - IDEMPOTENCY_TTL_MS);
    // A request that never finished (crashed process) frees its key after a minute.
    const abandonedBefore = new Date(clock.nowMs() - 60_000);
    // Insert-or-read in one statement; an expired row is replaced so a key can be reused after the TTL.
    const inserted = await sql<{ inserted: boolean }>`
      INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at)
      VALUES (${scope}, ${key}, ${requestHash}, 'in_progress', ${clock.now()})
      ON CONFLICT (scope, key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, state = 'in_progress', status_code = NULL,
            content_type = NULL, response_body = NULL, created_at = EXCLUDED.created_at
        WHERE idempotency_keys.created_at < ${expiredBefore}
           OR (idempotency_keys.state = 'in_progress' AND idempotency_keys.created_at < ${abandonedBefore})
      RETURNING true AS inserted`.execute(db.kysely);
    if (inserted.rows.length > 0) {
      (request as unknown as Record<symbol, Pending>)[pendingKey] = { scope, key };
      return;
    }
    const existing = await db.kysely
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!existing) return; // expired and removed between the two statements: proceed without the guarantee
    if (existing.request_hash !== requestHash) {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        422,
        'This Idempotency-Key was already used with a different request; use a new key for a new request',
      );
    }
    if (existing.state !== 'completed') {
      throw new AppError(
        'IDEMPOTENCY_KEY_IN_PROGRESS',
        409,
        'A request with this Idempotency-Key is still being processed',
      );
    }
    reply
      .code(existing.status_code ?? 200)
      .header('idempotent-replayed', 'true')
      .header('content-type', existing.content_type ?? 'application/json; charset=utf-8');
    return reply.send(existing.response_body ?? '');
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const pending = (request as unknown as Record<symbol, Pending | undefined>)[pendingKey];
    if (!pending) return payload;
    (request as unknown as Record<symbol, Pending | undefined>)[pendingKey] = undefined;
    const where = sql`scope = ${pending.scope} AND key = ${pending.key}`;
    if (reply.statusCode >= 500 || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) {
      await sql`DELETE FROM idempotency_keys WHERE ${where}`.execute(db.kysely);
      return payload;
    }
    await sql`UPDATE idempotency_keys SET state = 'completed', status_code = ${reply.statusCode},
      content_type = ${String(reply.getHeader('content-type') ?? '')}, response_body = ${payload.toString()}
      WHERE ${where}`.execute(db.kysely);
    return payload;
  });
}

/** Deletes expired keys; run from a cron job. */
export async function pruneIdempotencyKeys(db: Db, clock: Clock): Promise<number> {
  const result = await db.kysely
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', new Date(clock.nowMs() - IDEMPOTENCY_TTL_MS))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
