/**
 * Who is acting. Every use case receives an `Actor`, whichever surface (HTTP, CLI, job) it came from, so one
 * policy function decides for all of them.
 */
import type { WorkspaceRole } from '../db/index.js';

export type ActorOrigin = 'api' | 'cli' | 'job';

export interface Actor {
  kind: 'user' | 'token' | 'system';
  /** The human behind the action (token creator for tokens); null for the system. */
  userId: string | null;
  tokenId: string | null;
  workspaceId: string;
  role: WorkspaceRole;
  origin: ActorOrigin;
  /** HTTP only: recorded in the audit log. */
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

/** The actor used by jobs and CLI maintenance commands acting on behalf of the workspace itself. */
export function systemActor(workspaceId: string, origin: ActorOrigin = 'job'): Actor {
  return { kind: 'system', userId: null, tokenId: null, workspaceId, role: 'owner', origin };
}
