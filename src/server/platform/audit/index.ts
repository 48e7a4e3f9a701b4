/**
 * audit: the tamper-evident record of who did what (DESIGN §6).
 *
 * Terminology:
 * - entry: one `audit_log` row — actor, origin (api | cli | job), action, subject, before/after summaries, request
 *   metadata — recorded by a use case in its own transaction via `recordAudit`.
 * - chain: a workspace's entries in seq order; each stores the previous entry's hash (`prev_hash`) and its own
 *   `hash = sha256(prev_hash + canonicalJson(content))`.
 * - head: `audit_chain_head`, the last seq and hash of a chain; its row lock orders writers.
 * - verification: recomputing the chain (`verifyAuditChain`, `switchboard audit verify`); it names the first entry
 *   that was changed, removed or re-linked.
 */
import type { Actor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { Db, Executor } from '../db/index.js';
import type { HttpApp } from '../http/index.js';
import { recordAudit, type AuditEntry, type AuditEntryInput } from './audit.repo.js';
import { registerAuditRoutes } from './audit.routes.js';

export {
  canonicalJson,
  computeAuditHash,
  verifyChainEntries,
  ChainVerifier,
  GENESIS_HASH,
  BREAK_REASONS,
  type AuditContent,
  type AuditChainEntry,
  type BreakReason,
  type ChainBreak,
} from './audit-hash.js';
export {
  recordAudit,
  listAudit,
  type AuditEntry,
  type AuditEntryInput,
  type AuditQuery,
} from './audit.repo.js';
export { verifyAuditChain, type AuditVerifyResult } from './audit-verify.js';
export { registerAuditRoutes, auditEntrySchema, type AuditRoutesDeps } from './audit.routes.js';

export interface AuditDeps {
  db: Db;
  clock: Clock;
}

export interface Audit {
  /** Records an entry in the caller's transaction, stamped with the injected clock. */
  record(executor: Executor, actor: Actor, input: AuditEntryInput): Promise<AuditEntry>;
  registerRoutes(app: HttpApp): void;
}

export function createAudit(deps: AuditDeps): Audit {
  return {
    record: (executor, actor, input) => recordAudit(executor, actor, input, { clock: deps.clock }),
    registerRoutes: (app) => registerAuditRoutes(app, { db: deps.db }),
  };
}
