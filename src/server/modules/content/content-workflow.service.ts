/** Workflow definitions as a use case: list, show (any version), validate without saving, apply as a new version. */
import { authorize, type Actor } from '../../platform/auth/index.js';
import { inTransaction } from '../../platform/db/index.js';
import type { ContentContext } from './content.context.js';
import {
  getDefinitionVersion,
  getLatestDefinition,
  insertDefinitionVersion,
  listDefinitions,
  type StoredDefinition,
} from './content.definitions.js';
import { validateDefinition, type DefinitionValidation } from './workflow/index.js';

export async function listWorkflows(ctx: ContentContext, actor: Actor): Promise<StoredDefinition[]> {
  authorize(actor, 'workflow.read');
  return listDefinitions(ctx.db.kysely, actor.workspaceId);
}

export async function showWorkflow(
  ctx: ContentContext,
  actor: Actor,
  key: string,
  version?: number,
): Promise<StoredDefinition> {
  authorize(actor, 'workflow.read');
  return version === undefined
    ? getLatestDefinition(ctx.db.kysely, actor.workspaceId, key)
    : getDefinitionVersion(ctx.db.kysely, actor.workspaceId, key, version);
}

/** Dry run of `applyWorkflow`: every problem, nothing stored. */
export function checkWorkflow(actor: Actor, input: unknown): DefinitionValidation {
  authorize(actor, 'workflow.read');
  return validateDefinition(
    typeof input === 'object' && input !== null ? { ...(input as object), version: 1 } : input,
  );
}

/**
 * Stores `input` as the next version of its key (422 WORKFLOW_DEFINITION_INVALID listing every problem). Existing
 * content keeps the version it started with; new content uses this one.
 */
export async function applyWorkflow(
  ctx: ContentContext,
  actor: Actor,
  input: unknown,
): Promise<StoredDefinition> {
  authorize(actor, 'workflow.manage');
  return inTransaction(ctx.db.kysely, async (tx) => {
    const stored = await insertDefinitionVersion(tx, actor, input, ctx.clock.now());
    const subject = `workflow:${stored.key}`;
    const summary = {
      key: stored.key,
      version: stored.version,
      states: stored.definition.states.map((s) => s.key),
      actions: [...new Set(stored.definition.transitions.map((t) => t.action))],
    };
    await ctx.events.append(tx, {
      workspaceId: actor.workspaceId,
      type: 'workflow.definition_applied',
      subject,
      actor,
      payload: summary,
    });
    await ctx.audit.record(tx, actor, { action: 'workflow.apply', subject, after: summary });
    return stored;
  });
}
