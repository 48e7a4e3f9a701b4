/**
 * Stored workflow definitions: versioned per (workspace, key), validated by the engine on save, never updated.
 * The built-in default is version 1 of key `default` in every workspace; a workspace that applies its own `default`
 * gets version 2, 3 …. Content records the definition row it follows, so a new version never changes content that
 * started under an older one until it is migrated explicitly.
 */
import type { Actor } from '../../platform/auth/index.js';
import type { Executor } from '../../platform/db/index.js';
import { NotFoundError } from '../../platform/errors/index.js';
import { DEFAULT_WORKFLOW, parseDefinition, type WorkflowDefinition } from './workflow/index.js';

export interface StoredDefinition {
  /** Null for the built-in default. */
  id: string | null;
  key: string;
  version: number;
  definition: WorkflowDefinition;
  createdBy: string | null;
  createdAt: Date | null;
}

const BUILT_IN: StoredDefinition = {
  id: null,
  key: DEFAULT_WORKFLOW.key,
  version: DEFAULT_WORKFLOW.version,
  definition: DEFAULT_WORKFLOW,
  createdBy: null,
  createdAt: null,
};

/** Definition rows are immutable, so parsed ones can be cached by id for the life of the process. */
const parsedById = new Map<string, WorkflowDefinition>();

function toStored(row: {
  id: string;
  key: string;
  version: number;
  definition: unknown;
  created_by: string | null;
  created_at: Date;
}): StoredDefinition {
  let definition = parsedById.get(row.id);
  if (!definition) {
    definition = parseDefinition(row.definition);
    parsedById.set(row.id, definition);
  }
  return {
    id: row.id,
    key: row.key,
    version: Number(row.version),
    definition,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
  };
}

/** The latest version of `key` (the built-in default when the workspace never applied its own `default`). */
export async function findLatestDefinition(
  db: Executor,
  workspaceId: string,
  key: string,
): Promise<StoredDefinition | null> {
  const row = await db
    .selectFrom('workflow_definitions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', key)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (row) return toStored(row);
  return key === BUILT_IN.key ? BUILT_IN : null;
}

export async function getLatestDefinition(
  db: Executor,
  workspaceId: string,
  key: string,
): Promise<StoredDefinition> {
  const found = await findLatestDefinition(db, workspaceId, key);
  if (!found) throw new NotFoundError('Workflow definition', key);
  return found;
}

export async function getDefinitionVersion(
  db: Executor,
  workspaceId: string,
  key: string,
  version: number,
): Promise<StoredDefinition> {
  if (key === BUILT_IN.key && version === BUILT_IN.version) return BUILT_IN;
  const row = await db
    .selectFrom('workflow_definitions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', key)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Workflow definition', `${key}@${version}`);
  return toStored(row);
}

/** The definition a content item follows. */
export async function resolveDefinition(
  db: Executor,
  definitionId: string | null,
): Promise<WorkflowDefinition> {
  if (definitionId === null) return DEFAULT_WORKFLOW;
  const cached = parsedById.get(definitionId);
  if (cached) return cached;
  const row = await db
    .selectFrom('workflow_definitions')
    .selectAll()
    .where('id', '=', definitionId)
    .executeTakeFirstOrThrow();
  return toStored(row).definition;
}

/** Latest version of every key in the workspace, plus the built-in default if not overridden. */
export async function listDefinitions(db: Executor, workspaceId: string): Promise<StoredDefinition[]> {
  const rows = await db
    .selectFrom('workflow_definitions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('key')
    .orderBy('version', 'desc')
    .execute();
  const latest = new Map<string, StoredDefinition>();
  for (const row of rows) if (!latest.has(row.key)) latest.set(row.key, toStored(row));
  if (!latest.has(BUILT_IN.key)) latest.set(BUILT_IN.key, BUILT_IN);
  return [...latest.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * Validates (422 WORKFLOW_DEFINITION_INVALID with every problem) and stores `input` as the next version of its key.
 * The submitted `version` is ignored: versions are assigned here so two admins applying at once cannot collide
 * silently (the unique constraint makes the loser retry-able).
 */
export async function insertDefinitionVersion(
  tx: Executor,
  actor: Actor,
  input: unknown,
  now: Date,
): Promise<StoredDefinition> {
  const candidate =
    typeof input === 'object' && input !== null
      ? { ...(input as Record<string, unknown>), version: 1 }
      : input;
  const parsed = parseDefinition(candidate);
  const previous = await findLatestDefinition(tx, actor.workspaceId, parsed.key);
  const version = (previous?.version ?? 0) + 1;
  const definition: WorkflowDefinition = { ...parsed, version };
  const row = await tx
    .insertInto('workflow_definitions')
    .values({
      workspace_id: actor.workspaceId,
      key: definition.key,
      version,
      definition: JSON.stringify(definition) as never,
      created_by: actor.userId,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toStored(row);
}
