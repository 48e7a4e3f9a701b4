/**
 * Writing and reading `audit_log`.
 *
 * Writers of one workspace serialize on its `audit_chain_head` row (locked from the number allocation to the end
 * of the transaction), so seq and prev_hash are always taken from the entry committed just before — the same trick
 * as the event sequence (ADR 0004).
 */
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { systemClock, type Clock } from '../clock.js';
import { inTransaction, type Executor } from '../db/index.js';
import {
  computeAuditHash,
  GENESIS_HASH,
  toJsonValue,
  type AuditChainEntry,
  type AuditContent,
} from './audit-hash.js';

export interface AuditEntryInput {
  /** The policy action or use case, e.g. `tokens.create`, `content.publish`. */
  action: string;
  /** What was acted on, e.g. `token:<id>`. */
  subject: string;
  /** A summary of the state before/after (never secrets); JSON. */
  before?: unknown;
  after?: unknown;
}

/** One stored audit entry. */
export interface AuditEntry extends AuditContent {
  id: string;
  prevHash: string;
  hash: string;
}

interface AuditRow {
  id: string;
  workspace_id: string;
  seq: number;
  at: Date;
  actor_kind: 'user' | 'token' | 'system';
  actor_user_id: string | null;
  actor_token_id: string | null;
  origin: 'api' | 'cli' | 'job';
  action: string;
  subject: string;
  before: unknown;
  after: unknown;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

const lower = (v: string | null | undefined): string | null => (v ? v.toLowerCase() : null);

export function rowToEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    actor: { kind: row.actor_kind, userId: row.actor_user_id, tokenId: row.actor_token_id },
    origin: row.origin,
    action: row.action,
    subject: row.subject,
    before: row.before ?? null,
    after: row.after ?? null,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function entryToChain(e: AuditEntry): AuditChainEntry {
  const { id, prevHash, hash, ...content } = e;
  return { id, prevHash, hash, content };
}

const jsonParam = (v: unknown): string | null => (v === null ? null : JSON.stringify(v));

/**
 * Records an audit entry for `actor`'s workspace in the caller's transaction (or its own when `executor` is not
 * one: allocation, insert and head update must commit together).
 */
export async function recordAudit(
  executor: Executor,
  actor: Actor,
  input: AuditEntryInput,
  opts: { clock?: Clock } = {},
): Promise<AuditEntry> {
  const at = (opts.clock ?? systemClock).now();
  return inTransaction(executor, async (tx) => {
    const workspaceId = actor.workspaceId.toLowerCase();
    const head = await sql<{ last_seq: number; last_hash: string }>`
      INSERT INTO audit_chain_head AS h (workspace_id, last_seq, last_hash) VALUES (${workspaceId}::uuid, 1, ${GENESIS_HASH})
      ON CONFLICT (workspace_id) DO UPDATE SET last_seq = h.last_seq + 1
      RETURNING last_seq, last_hash
    `.execute(tx);
    const allocated = head.rows[0];
    if (!allocated) throw new Error('recordAudit: no chain head returned');
    const content: AuditContent = {
      workspaceId,
      seq: Number(allocated.last_seq),
      at: at.toISOString(),
      actor: { kind: actor.kind, userId: lower(actor.userId), tokenId: lower(actor.tokenId) },
      origin: actor.origin,
      action: input.action,
      subject: input.subject,
      before: toJsonValue(input.before),
      after: toJsonValue(input.after),
      ip: actor.ip ?? null,
      userAgent: actor.userAgent ?? null,
      requestId: actor.requestId ?? null,
    };
    const prevHash = allocated.last_hash;
    const hash = computeAuditHash(prevHash, content);
    const inserted = await sql<{ id: string }>`
      WITH entry AS (
        INSERT INTO audit_log (workspace_id, seq, at, actor_kind, actor_user_id, actor_token_id, origin, action,
          subject, before, after, ip, user_agent, request_id, prev_hash, hash)
        VALUES (${workspaceId}::uuid, ${content.seq}, ${at}::timestamptz, ${content.actor.kind},
          ${content.actor.userId}::uuid, ${content.actor.tokenId}::uuid, ${content.origin}, ${content.action},
          ${content.subject}, ${jsonParam(content.before)}::jsonb, ${jsonParam(content.after)}::jsonb, ${content.ip},
          ${content.userAgent}, ${content.requestId}, ${prevHash}, ${hash})
        RETURNING id
      )
      UPDATE audit_chain_head SET last_hash = ${hash}
      WHERE workspace_id = ${workspaceId}::uuid
      RETURNING (SELECT id FROM entry) AS id
    `.execute(tx);
    const id = inserted.rows[0]?.id;
    if (!id) throw new Error('recordAudit: insert returned no id');
    return { id, ...content, prevHash, hash };
  });
}

export interface AuditQuery {
  workspaceId: string;
  /** Newest first: entries with seq below this (exclusive). */
  before?: number | undefined;
  limit: number;
  action?: string | undefined;
  subject?: string | undefined;
}

/** Audit entries of one workspace, newest first. */
export async function listAudit(executor: Executor, q: AuditQuery): Promise<AuditEntry[]> {
  let query = executor.selectFrom('audit_log').selectAll().where('workspace_id', '=', q.workspaceId);
  if (q.before !== undefined) query = query.where('seq', '<', q.before);
  if (q.action !== undefined) query = query.where('action', '=', q.action);
  if (q.subject !== undefined) query = query.where('subject', '=', q.subject);
  const rows = await query.orderBy('seq', 'desc').limit(q.limit).execute();
  return rows.map((r) => rowToEntry(r as AuditRow));
}

/** Entries of one workspace in chain order, seq in (after, upTo]. */
export async function readChainPage(
  executor: Executor,
  workspaceId: string,
  after: number,
  upTo: number,
  limit: number,
): Promise<AuditEntry[]> {
  const rows = await executor
    .selectFrom('audit_log')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('seq', '>', after)
    .where('seq', '<=', upTo)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => rowToEntry(r as AuditRow));
}
