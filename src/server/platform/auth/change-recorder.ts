/**
 * How the auth area records its own changes (token created, user added, …) without knowing the audit and event
 * modules: the composition root passes a recorder that writes the audit entry and the event in the caller's
 * transaction. Secrets never go into a change record.
 */
import type { Executor } from '../db/index.js';
import type { Actor } from './actor.js';

export interface ChangeRecord {
  /** Audit action, e.g. `tokens.create`. */
  action: string;
  /** What changed, e.g. `token:<id>`. */
  subject: string;
  before?: unknown;
  after?: unknown;
  /** The domain event to append, e.g. `auth.token_created`; omit for audit-only changes. */
  event?: { type: string; payload?: unknown };
}

export type ChangeRecorder = (tx: Executor, actor: Actor, change: ChangeRecord) => Promise<void>;
