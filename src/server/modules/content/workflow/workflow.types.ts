/**
 * The inputs and outputs of the pure workflow engine. The service layer loads these from the database (content item,
 * its versions, the approvals of the current review round) and persists what the engine decides.
 */
import type { WorkspaceRole } from '../../../platform/db/identity.tables.js';
import type { ContentType, GuardKind, RuleKind, WorkflowDefinition } from './workflow.schema.js';

/** Who asks. Structurally a subset of the platform `Actor`, so an `Actor` can be passed as is. */
export interface WorkflowActor {
  readonly userId: string;
  readonly role: WorkspaceRole;
}

/**
 * One recorded approval. It counts only for the transition (`action`) it was given for and only while the content
 * still has the `contentHash` that was approved: an edit silently voids it.
 */
export interface Approval {
  readonly userId: string;
  readonly action: string;
  readonly contentHash: string;
}

export const BODY_FORMATS = ['markdown', 'html'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];

/** What guards look at: the current version of a content item, plus who made it and who approved it. */
export interface ContentSnapshot {
  readonly ownerId: string;
  /** Authors of the content's versions (the service decides the window, normally every version). */
  readonly authorIds: readonly string[];
  readonly type: ContentType;
  /** Type-specific fields (title, subject, …). `body` is not here; rules read it from `body`. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly body: string;
  /** Markdown may embed HTML; `html` bodies (emails, landing pages) are parsed as HTML only. Default markdown. */
  readonly bodyFormat?: BodyFormat;
  /**
   * Approvals of the current review round, i.e. recorded since the content last entered the transition's source
   * state. Rejecting and resubmitting starts a new round; the service drops older approvals.
   */
  readonly approvals: readonly Approval[];
  readonly contentHash: string;
}

export interface TransitionRequest {
  readonly definition: WorkflowDefinition;
  readonly currentState: string;
  readonly action: string;
  readonly actor: WorkflowActor;
  readonly content: ContentSnapshot;
  readonly reason?: string | undefined;
}

/** `state` = the action does not exist here; `reason` = a required reason is missing. */
export type FailedCheck = GuardKind | 'reason' | 'state';

export interface FailedGuard {
  readonly guard: FailedCheck;
  /** For `validation` failures: which rule. */
  readonly rule?: RuleKind;
  readonly message: string;
}

export const TRANSITION_ERROR_CODES = [
  'TRANSITION_FORBIDDEN',
  'TRANSITION_INVALID',
  'TRANSITION_NOT_AVAILABLE',
] as const;
export type TransitionErrorCode = (typeof TRANSITION_ERROR_CODES)[number];

export interface TransitionAccepted {
  readonly ok: true;
  readonly action: string;
  readonly from: string;
  readonly to: string;
  /**
   * False when the transition records an approval but `min_approvals` is not reached yet: the service records the
   * approval and the state stays `from`.
   */
  readonly completes: boolean;
  /** True when this transition records the actor's approval (it has a `min_approvals` guard). */
  readonly approvalRecorded: boolean;
  /** Distinct approvals on the current hash including this one, and how many are needed. */
  readonly approvals?: { readonly count: number; readonly required: number };
}

export interface TransitionRejected {
  readonly ok: false;
  readonly status: 403 | 422;
  readonly code: TransitionErrorCode;
  readonly action: string;
  readonly from: string;
  /** Every failing check, not just the first, so the UI can show them all at once. */
  readonly failed: readonly FailedGuard[];
}

export type TransitionResult = TransitionAccepted | TransitionRejected;
