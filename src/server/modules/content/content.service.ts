/**
 * Content items and their versions: create, read, list, edit (a new immutable version when the content changes),
 * restore an old version, diffs, and moving an item to a newer workflow definition. Transitions are in
 * `content-transitions.service.ts`. Each write: authorize → lock + version check → change → event + audit →
 * enqueue, in one transaction.
 */
import { canonicalJson } from '../../platform/audit/index.js';
import { authorize, type Actor } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { AppError, ConflictError, NotFoundError } from '../../platform/errors/index.js';
import {
  assertExpectedVersion,
  loadCurrentVersion,
  loadForWrite,
  recordChange,
  type ContentContext,
} from './content.context.js';
import { getDefinitionVersion, getLatestDefinition, resolveDefinition } from './content.definitions.js';
import { computeContentHash, diffVersions, type VersionDiff } from './content.diff.js';
import {
  findItem,
  findLatestVersionNumber,
  findVersion,
  insertItem,
  insertVersion,
  listApprovals,
  listLinks,
  listTransitions,
  listVersions,
  replaceLinks,
  setFirstVersion,
  updateItem,
  type ContentItem,
  type ContentLink,
  type ContentVersion,
  type ItemPatch,
  type StoredApproval,
  type TransitionRecord,
  type VersionPage,
} from './content.repo.js';
import type { VersionBodyFormat } from './content.tables.js';
import { enqueueSchedules } from './content.schedule.js';
import { moveState } from './content-transitions.service.js';
import { stateAfterEdit, type ContentType } from './workflow/index.js';

export interface ContentDetail {
  item: ContentItem;
  current: ContentVersion;
  links: ContentLink[];
}

export async function getContent(ctx: ContentContext, actor: Actor, id: string): Promise<ContentDetail> {
  authorize(actor, 'content.read');
  const db = ctx.db.kysely;
  const item = await findItem(db, actor.workspaceId, id);
  if (!item) throw new NotFoundError('Content', id);
  const [current, links] = await Promise.all([loadCurrentVersion(db, item), listLinks(db, item.id)]);
  return { item, current, links };
}

export interface CreateContentInput {
  type: ContentType;
  title: string;
  slug: string;
  body?: string | undefined;
  bodyFormat?: VersionBodyFormat | undefined;
  fields?: Record<string, unknown> | undefined;
  tags?: string[] | undefined;
  locale?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  links?: ContentLink[] | undefined;
  /** Workflow definition key; default `default`. */
  workflow?: string | undefined;
  ownerId?: string | undefined;
}

async function assertSlugFree(
  db: Executor,
  workspaceId: string,
  slug: string,
  locale: string,
  self?: string,
) {
  let q = db
    .selectFrom('content_items')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('slug', '=', slug)
    .where('locale', '=', locale);
  if (self) q = q.where('id', '!=', self);
  if (await q.executeTakeFirst()) {
    throw new ConflictError(
      'CONTENT_SLUG_TAKEN',
      `Slug '${slug}' (${locale}) is already used in this workspace`,
      {
        slug,
        locale,
      },
    );
  }
}

export async function createContent(
  ctx: ContentContext,
  actor: Actor,
  input: CreateContentInput,
): Promise<ContentDetail> {
  authorize(actor, 'content.create');
  const ownerId = input.ownerId ?? actor.userId;
  if (ownerId === null) throw new AppError('CONTENT_OWNER_REQUIRED', 422, 'The system must name an owner');
  return inTransaction(ctx.db.kysely, async (tx) => {
    const locale = input.locale ?? 'en';
    await assertSlugFree(tx, actor.workspaceId, input.slug, locale);
    const def = await getLatestDefinition(tx, actor.workspaceId, input.workflow ?? 'default');
    const initial = def.definition.states.find((s) => s.initial)!.key;
    const now = ctx.clock.now();
    const item = await insertItem(tx, {
      workspaceId: actor.workspaceId,
      type: input.type,
      title: input.title,
      slug: input.slug,
      ownerId,
      tags: input.tags ?? [],
      locale,
      metadata: input.metadata ?? {},
      state: initial,
      definitionId: def.id,
      definitionKey: def.key,
      definitionVersion: def.version,
      publishAt: null,
      archiveAt: null,
      now,
    });
    const content = {
      title: input.title,
      body: input.body ?? '',
      bodyFormat: input.bodyFormat ?? 'markdown',
      fields: input.fields ?? {},
    };
    const version = await insertVersion(tx, {
      contentId: item.id,
      version: 1,
      ...content,
      authorId: actor.userId,
      contentHash: computeContentHash(content),
      restoredFrom: null,
      createdAt: now,
    });
    const created = await setFirstVersion(tx, item.id, version.id);
    const links = input.links ?? [];
    await replaceLinks(tx, item.id, links);
    await recordChange(ctx, tx, actor, item, {
      event: 'content.created',
      auditAction: 'content.create',
      payload: {
        type: item.type,
        title: item.title,
        state: item.state,
        version: created.version,
        contentHash: version.contentHash,
        workflow: { key: def.key, version: def.version },
      },
      after: {
        type: item.type,
        title: item.title,
        slug: item.slug,
        state: item.state,
        contentHash: version.contentHash,
      },
    });
    return { item: created, current: version, links };
  });
}

export interface EditContentInput {
  expectedVersion: number;
  title?: string | undefined;
  slug?: string | undefined;
  body?: string | undefined;
  bodyFormat?: VersionBodyFormat | undefined;
  fields?: Record<string, unknown> | undefined;
  tags?: string[] | undefined;
  locale?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  links?: ContentLink[] | undefined;
  publishAt?: Date | null | undefined;
  archiveAt?: Date | null | undefined;
}

interface EditOptions {
  /** Set by `restoreVersion`: the version number the new version copies. */
  restoredFrom?: number;
}

export interface EditResult extends ContentDetail {
  /** Set when the edit voided an approval and sent the item back to review. */
  returnedToReview: { from: string; to: string; reason: string } | null;
  newVersion: boolean;
}

const linkKey = (l: ContentLink) => `${l.kind}:${l.targetId}`;
const sameLinks = (a: readonly ContentLink[], b: readonly ContentLink[]) =>
  canonicalJson([...new Set(a.map(linkKey))].sort()) === canonicalJson(b.map(linkKey).sort());

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/**
 * Edits an item. A change to what reviewers read (title, body, format, fields) adds an immutable version with a new
 * hash; in an approval-gated state that voids the approval and returns the item to review, with the reason
 * recorded. Metadata-only edits (tags, schedule, links) keep the version and the state.
 */
export async function editContent(
  ctx: ContentContext,
  actor: Actor,
  id: string,
  input: EditContentInput,
): Promise<EditResult> {
  authorize(actor, 'content.edit');
  return inTransaction(ctx.db.kysely, (tx) => editInTransaction(ctx, tx, actor, id, input, {}));
}

async function editInTransaction(
  ctx: ContentContext,
  tx: Executor,
  actor: Actor,
  id: string,
  input: EditContentInput,
  opts: EditOptions,
): Promise<EditResult> {
  const item = await loadForWrite(tx, actor, id);
  assertExpectedVersion(item, input.expectedVersion);
  const current = await loadCurrentVersion(tx, item);
  const def = await resolveDefinition(tx, item.definitionId);
  const content = {
    title: input.title ?? current.title,
    body: input.body ?? current.body,
    bodyFormat: input.bodyFormat ?? current.bodyFormat,
    fields: input.fields ?? current.fields,
  };
  const hash = computeContentHash(content);
  const now = ctx.clock.now();
  let version = current;
  if (hash !== current.contentHash) {
    const state = def.states.find((s) => s.key === item.state);
    if (state?.terminal || state?.kind === 'archived') {
      throw new ConflictError(
        'CONTENT_NOT_EDITABLE',
        `Content in state '${item.state}' cannot be edited; restore it to draft first`,
        { state: item.state },
      );
    }
    version = await insertVersion(tx, {
      contentId: item.id,
      version: (await findLatestVersionNumber(tx, item.id)) + 1,
      ...content,
      authorId: actor.userId,
      contentHash: hash,
      restoredFrom: opts.restoredFrom ?? null,
      createdAt: now,
    });
  }
  const locale = input.locale ?? item.locale;
  const slug = input.slug ?? item.slug;
  if (slug !== item.slug || locale !== item.locale)
    await assertSlugFree(tx, actor.workspaceId, slug, locale, item.id);
  const schedule = {
    publish: input.publishAt !== undefined && !sameTime(input.publishAt, item.publishAt),
    archive: input.archiveAt !== undefined && !sameTime(input.archiveAt, item.archiveAt),
  };
  const patch: ItemPatch = {
    title: content.title,
    slug,
    locale,
    ...(input.tags !== undefined ? { tags: input.tags } : {}),
    ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    ...(schedule.publish ? { publishAt: input.publishAt ?? null } : {}),
    ...(schedule.archive ? { archiveAt: input.archiveAt ?? null } : {}),
    ...(version !== current ? { currentVersionId: version.id, clearSourceChanged: true } : {}),
  };
  const linksBefore = await listLinks(tx, item.id);
  const linksChanged = input.links !== undefined && !sameLinks(input.links, linksBefore);
  const touched =
    version !== current ||
    slug !== item.slug ||
    locale !== item.locale ||
    schedule.publish ||
    schedule.archive ||
    linksChanged ||
    (input.tags !== undefined && canonicalJson(input.tags) !== canonicalJson(item.tags)) ||
    (input.metadata !== undefined && canonicalJson(input.metadata) !== canonicalJson(item.metadata));
  // A write that changes nothing keeps the version, so repeating a request never causes a conflict.
  if (!touched) return { item, current, links: linksBefore, returnedToReview: null, newVersion: false };
  let updated = await updateItem(tx, item.id, patch, now);
  if (linksChanged) await replaceLinks(tx, item.id, input.links ?? []);
  await recordChange(ctx, tx, actor, item, {
    event: 'content.updated',
    auditAction: 'content.edit',
    payload: {
      version: updated.version,
      contentVersion: version.version,
      contentHash: version.contentHash,
      newVersion: version !== current,
      publishAt: updated.publishAt?.toISOString() ?? null,
      archiveAt: updated.archiveAt?.toISOString() ?? null,
    },
    before: { version: item.version, contentHash: current.contentHash },
    after: { version: updated.version, contentHash: version.contentHash },
  });
  let returnedToReview: EditResult['returnedToReview'] = null;
  if (version !== current) {
    const outcome = stateAfterEdit(def, item.state);
    if (outcome.returnedToReview && outcome.reason !== undefined) {
      updated = await moveState(ctx, tx, actor, updated, version, def, {
        to: outcome.state,
        action: 'edit',
        reason: outcome.reason,
      });
      returnedToReview = { from: item.state, to: outcome.state, reason: outcome.reason };
    }
  }
  await enqueueSchedules(ctx, tx, updated, schedule);
  const links = await listLinks(tx, item.id);
  return { item: updated, current: version, links, returnedToReview, newVersion: version !== current };
}

/** Restores an old version as a new version (history is never rewritten). */
export async function restoreVersion(
  ctx: ContentContext,
  actor: Actor,
  id: string,
  input: { version: number; expectedVersion: number },
): Promise<EditResult> {
  authorize(actor, 'content.edit');
  const old = await getVersion(ctx, actor, id, input.version);
  return inTransaction(ctx.db.kysely, async (tx) => {
    const result = await editInTransaction(
      ctx,
      tx,
      actor,
      id,
      {
        expectedVersion: input.expectedVersion,
        title: old.title,
        body: old.body,
        bodyFormat: old.bodyFormat,
        fields: old.fields,
      },
      { restoredFrom: input.version },
    );
    await recordChange(ctx, tx, actor, result.item, {
      event: 'content.version_restored',
      auditAction: 'content.restore_version',
      payload: {
        restoredFrom: input.version,
        contentVersion: result.current.version,
        newVersion: result.newVersion,
      },
    });
    return result;
  });
}

/** Newest first: every version, or one page of them (`beforeVersion` is the keyset cursor). */
export async function listContentVersions(
  ctx: ContentContext,
  actor: Actor,
  id: string,
  page?: VersionPage,
): Promise<ContentVersion[]> {
  authorize(actor, 'content.read');
  const item = await findItem(ctx.db.kysely, actor.workspaceId, id);
  if (!item) throw new NotFoundError('Content', id);
  return listVersions(ctx.db.kysely, id, page);
}

/** Where a history page ended in each of its two lists (null: nothing of that list returned yet). */
export interface HistoryCursor {
  transition: { at: Date; version: number; id: string } | null;
  approval: { at: Date; id: string } | null;
}

export interface HistoryPageQuery {
  after?: HistoryCursor | undefined;
  /** Per list: up to `limit` transitions and up to `limit` approvals. */
  limit: number;
}

export interface ContentHistoryPage {
  transitions: TransitionRecord[];
  approvals: StoredApproval[];
  /** Where the next page starts; null when both lists are exhausted (always null without a page query). */
  next: HistoryCursor | null;
}

/**
 * State changes and approvals, oldest first: all of them, or one page. A page advances both lists independently
 * (keyset on (at, version, id) and (at, id)), so a client appends each list and stops when `next` is null.
 */
export async function listContentHistory(
  ctx: ContentContext,
  actor: Actor,
  id: string,
  page?: HistoryPageQuery,
): Promise<ContentHistoryPage> {
  authorize(actor, 'content.read');
  const db = ctx.db.kysely;
  if (!(await findItem(db, actor.workspaceId, id))) throw new NotFoundError('Content', id);
  if (!page) {
    const [transitions, approvals] = await Promise.all([listTransitions(db, id), listApprovals(db, id)]);
    return { transitions, approvals, next: null };
  }
  const { after, limit } = page;
  // One extra row per list tells whether another page exists.
  const [t, a] = await Promise.all([
    listTransitions(db, id, { after: after?.transition ?? undefined, limit: limit + 1 }),
    listApprovals(db, id, undefined, { after: after?.approval ?? undefined, limit: limit + 1 }),
  ]);
  const transitions = t.slice(0, limit);
  const approvals = a.slice(0, limit);
  if (t.length <= limit && a.length <= limit) return { transitions, approvals, next: null };
  const lastT = transitions.at(-1);
  const lastA = approvals.at(-1);
  return {
    transitions,
    approvals,
    next: {
      transition: lastT
        ? { at: lastT.at, version: lastT.version, id: lastT.id }
        : (after?.transition ?? null),
      approval: lastA ? { at: lastA.at, id: lastA.id } : (after?.approval ?? null),
    },
  };
}

export async function getVersion(
  ctx: ContentContext,
  actor: Actor,
  id: string,
  version: number,
): Promise<ContentVersion> {
  authorize(actor, 'content.read');
  const item = await findItem(ctx.db.kysely, actor.workspaceId, id);
  if (!item) throw new NotFoundError('Content', id);
  const v = await findVersion(ctx.db.kysely, id, version);
  if (!v) throw new NotFoundError('Content version', `${id}@${version}`);
  return v;
}

export async function diffContentVersions(
  ctx: ContentContext,
  actor: Actor,
  id: string,
  from: number,
  to: number,
): Promise<VersionDiff> {
  const [a, b] = await Promise.all([getVersion(ctx, actor, id, from), getVersion(ctx, actor, id, to)]);
  return diffVersions(a, b);
}

/** What changed since the last approval: the newest approved hash's version against the current one. */
export async function diffSinceApproval(
  ctx: ContentContext,
  actor: Actor,
  id: string,
): Promise<VersionDiff & { approvedAt: Date; approvedBy: string }> {
  const { item, current } = await getContent(ctx, actor, id);
  const approvals = await listApprovals(ctx.db.kysely, item.id);
  const last = approvals.at(-1);
  if (!last) throw new NotFoundError('Approval for content', id);
  const versions = await listVersions(ctx.db.kysely, item.id);
  const approved = versions.find((v) => v.contentHash === last.contentHash);
  if (!approved) throw new NotFoundError('Approved version of content', id);
  return { ...diffVersions(approved, current), approvedAt: last.at, approvedBy: last.userId };
}

/**
 * Moves an item to another version of its definition key (latest by default). Its state must exist there;
 * approvals of the current round stay valid (same hash, same round).
 */
export async function migrateContentDefinition(
  ctx: ContentContext,
  actor: Actor,
  id: string,
  input: { expectedVersion: number; toVersion?: number | undefined },
): Promise<ContentItem> {
  authorize(actor, 'workflow.manage');
  return inTransaction(ctx.db.kysely, async (tx) => {
    const item = await loadForWrite(tx, actor, id);
    assertExpectedVersion(item, input.expectedVersion);
    const target =
      input.toVersion === undefined
        ? await getLatestDefinition(tx, actor.workspaceId, item.definitionKey)
        : await getDefinitionVersion(tx, actor.workspaceId, item.definitionKey, input.toVersion);
    if (!target.definition.states.some((s) => s.key === item.state)) {
      throw new AppError(
        'WORKFLOW_MIGRATION_INVALID',
        422,
        `State '${item.state}' does not exist in ${target.key} v${target.version}; move the content first`,
        { state: item.state, workflow: { key: target.key, version: target.version } },
      );
    }
    const updated = await updateItem(
      tx,
      item.id,
      { definitionId: target.id, definitionKey: target.key, definitionVersion: target.version },
      ctx.clock.now(),
    );
    await recordChange(ctx, tx, actor, item, {
      event: 'content.workflow_migrated',
      auditAction: 'content.migrate_workflow',
      payload: {
        from: item.definitionVersion,
        to: target.version,
        key: target.key,
        version: updated.version,
      },
      before: { workflowVersion: item.definitionVersion },
      after: { workflowVersion: target.version },
    });
    return updated;
  });
}
