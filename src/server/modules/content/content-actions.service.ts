/**
 * What the current actor could do to a content item now: every action of its workflow definition that leaves the
 * current state, allowed or not and why, plus the states a rollback would accept. The UI draws its transition
 * buttons from it (disabled ones with their reasons).
 *
 * Invariant: the answer is the one a real transition would give. It runs the same engine (`describeActions`, i.e.
 * `evaluateTransition`'s guard checks) on the same snapshot (`loadSnapshotInputs` + `buildSnapshot`) and adds the
 * two checks the transition service makes around the engine (the `content.transition` policy and the catalog's
 * not-publishable flag). It only reads: no row lock, no transaction, nothing written, so a racing writer may make
 * the answer stale; the transition itself re-checks everything under the lock.
 */
import { authorize, can, type Actor } from '../../platform/auth/index.js';
import { NotFoundError } from '../../platform/errors/index.js';
import {
  buildSnapshot,
  loadSnapshotInputs,
  toWorkflowActor,
  type ContentContext,
} from './content.context.js';
import { listVisitedStates, notPublishableFailure } from './content-transitions.service.js';
import { resolveDefinition } from './content.definitions.js';
import { findItem, listTransitions, type ContentItem } from './content.repo.js';
import {
  describeActions,
  findTransition,
  listCountedApprovers,
  validateRollbackTarget,
  type ActionOption,
  type ContentSnapshot,
  type FailedGuard,
  type WorkflowDefinition,
} from './workflow/index.js';

/** One button: a workflow action leaving the item's current state, judged for the current actor. */
export interface ContentActionOption {
  action: string;
  /** Target state. */
  to: string;
  label: string;
  /** Whether a transition by this actor would be accepted now, assuming a required reason is supplied. */
  allowed: boolean;
  requiresReason: boolean;
  /** False when taking it would only record an approval (min_approvals not reached with this vote). */
  completes: boolean;
  /** Every failing check (empty when allowed), in the words a refused transition would use. */
  failed: FailedGuard[];
  /** For actions gated by `min_approvals`: distinct approvals counted on the current content hash so far. */
  approvals?: { count: number; required: number; approvedByYou: boolean };
}

export interface ContentActions {
  contentId: string;
  state: string;
  /** The item version to send back as If-Match / expectedVersion when taking one of these actions. */
  version: number;
  workflow: { key: string; version: number };
  actions: ContentActionOption[];
  /** Whether the actor may roll back at all (policy `content.rollback`). */
  rollbackAllowed: boolean;
  /** States `POST …/rollback` would accept as a target now: visited before, existing, not the current one. */
  rollbackTargets: string[];
}

function countApprovals(
  def: WorkflowDefinition,
  item: ContentItem,
  option: ActionOption,
  actor: Actor,
  content: ContentSnapshot,
): ContentActionOption['approvals'] {
  const transition = findTransition(def, item.state, option.action);
  const guard = transition?.guards.find((g) => g.kind === 'min_approvals');
  if (guard?.kind !== 'min_approvals') return undefined;
  const approvers = listCountedApprovers(content.approvals, option.action, content.contentHash);
  return {
    count: approvers.size,
    required: guard.count,
    approvedByYou: actor.userId !== null && approvers.has(actor.userId),
  };
}

/**
 * The checks `transitionContent` / `applyTransition` make outside the engine: the policy action (a role without
 * `content.transition` is refused before any guard runs) and content the catalog marked not publishable.
 */
function addServiceChecks(
  def: WorkflowDefinition,
  item: ContentItem,
  actor: Actor,
  option: ActionOption,
): FailedGuard[] {
  const failed = [...option.failed];
  if (!can(actor, 'content.transition') && !failed.some((f) => f.guard === 'roles')) {
    failed.unshift({
      guard: 'roles',
      message: `Your role (${actor.role}) does not allow content.transition`,
    });
  }
  // A transition refused by the engine never gets this far; one that would only record an approval neither.
  const wouldComplete = option.allowed ? option.completes : true;
  const notPublishable = notPublishableFailure(def, item, option.to, wouldComplete);
  if (notPublishable) failed.push(notPublishable);
  return failed;
}

/** Every action leaving the item's state for `actor`, and the rollback targets. Read-only (content.read). */
export async function describeContentActions(
  ctx: ContentContext,
  actor: Actor,
  id: string,
): Promise<ContentActions> {
  authorize(actor, 'content.read');
  const db = ctx.db.kysely;
  const item = await findItem(db, actor.workspaceId, id);
  if (!item) throw new NotFoundError('Content', id);
  const [def, inputs, history] = await Promise.all([
    resolveDefinition(db, item.definitionId),
    loadSnapshotInputs(db, item),
    listTransitions(db, item.id),
  ]);
  const content = buildSnapshot(item, inputs);
  const actions = describeActions(def, item.state, toWorkflowActor(actor), content).map(
    (option): ContentActionOption => {
      const failed = addServiceChecks(def, item, actor, option);
      const approvals = countApprovals(def, item, option, actor, content);
      return {
        action: option.action,
        to: option.to,
        label: option.label,
        allowed: failed.length === 0,
        requiresReason: option.requiresReason,
        completes: failed.length === 0 && option.completes,
        failed,
        ...(approvals ? { approvals } : {}),
      };
    },
  );
  const visited = listVisitedStates(def, history);
  const rollbackTargets = def.states
    .map((s) => s.key)
    .filter((state) => validateRollbackTarget(def, visited, item.state, state).ok);
  return {
    contentId: item.id,
    state: item.state,
    version: item.version,
    workflow: { key: item.definitionKey, version: item.definitionVersion },
    actions,
    rollbackAllowed: can(actor, 'content.rollback'),
    rollbackTargets,
  };
}
