/**
 * SQL for content items, versions, links, transition history and approvals. Mutations run on the caller's
 * transaction; `lockItem` takes the row lock that serializes writers of one item (editors, approvers, jobs).
 */
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import type { ContentLinkKind, VersionBodyFormat } from './content.tables.js';
import type { ContentType } from './workflow/index.js';

export interface ContentItem {
  id: string;
  workspaceId: string;
  type: ContentType;
  title: string;
  slug: string;
  ownerId: string;
  tags: string[];
  locale: string;
  metadata: Record<string, unknown>;
  state: string;
  version: number;
  reviewRound: number;
  definitionId: string | null;
  definitionKey: string;
  definitionVersion: number;
  currentVersionId: string | null;
  publishAt: Date | null;
  archiveAt: Date | null;
  sourceChangedAt: Date | null;
  notPublishableReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ContentVersion {
  id: string;
  contentId: string;
  version: number;
  title: string;
  body: string;
  bodyFormat: VersionBodyFormat;
  fields: Record<string, unknown>;
  authorId: string | null;
  contentHash: string;
  restoredFrom: number | null;
  createdAt: Date;
}

export interface ContentLink {
  kind: ContentLinkKind;
  targetId: string;
}

export interface TransitionRecord {
  id: string;
  contentId: string;
  from: string;
  to: string;
  action: string;
  actorUserId: string | null;
  actorKind: 'user' | 'token' | 'system';
  reason: string | null;
  version: number;
  contentHash: string;
  at: Date;
}

type ItemRow = {
  id: string;
  workspace_id: string;
  type: ContentType;
  title: string;
  slug: string;
  owner_id: string;
  tags: string[];
  locale: string;
  metadata: Record<string, unknown>;
  state: string;
  version: number;
  review_round: number;
  definition_id: string | null;
  definition_key: string;
  definition_version: number;
  current_version_id: string | null;
  publish_at: Date | null;
  archive_at: Date | null;
  source_changed_at: Date | null;
  not_publishable_reason: string | null;
  created_at: Date;
  updated_at: Date;
};

const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
const toDateOrNull = (v: Date | string | null): Date | null => (v === null ? null : toDate(v));

function toItem(r: ItemRow): ContentItem {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    type: r.type,
    title: r.title,
    slug: r.slug,
    ownerId: r.owner_id,
    tags: r.tags,
    locale: r.locale,
    metadata: r.metadata,
    state: r.state,
    version: Number(r.version),
    reviewRound: Number(r.review_round),
    definitionId: r.definition_id,
    definitionKey: r.definition_key,
    definitionVersion: Number(r.definition_version),
    currentVersionId: r.current_version_id,
    publishAt: toDateOrNull(r.publish_at),
    archiveAt: toDateOrNull(r.archive_at),
    sourceChangedAt: toDateOrNull(r.source_changed_at),
    notPublishableReason: r.not_publishable_reason,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

export interface NewItem {
  workspaceId: string;
  type: ContentType;
  title: string;
  slug: string;
  ownerId: string;
  tags: string[];
  locale: string;
  metadata: Record<string, unknown>;
  state: string;
  definitionId: string | null;
  definitionKey: string;
  definitionVersion: number;
  publishAt: Date | null;
  archiveAt: Date | null;
  now: Date;
}

export async function insertItem(tx: Executor, item: NewItem): Promise<ContentItem> {
  const row = await tx
    .insertInto('content_items')
    .values({
      workspace_id: item.workspaceId,
      type: item.type,
      title: item.title,
      slug: item.slug,
      owner_id: item.ownerId,
      tags: item.tags,
      locale: item.locale,
      metadata: JSON.stringify(item.metadata) as never,
      state: item.state,
      definition_id: item.definitionId,
      definition_key: item.definitionKey,
      definition_version: item.definitionVersion,
      current_version_id: null,
      publish_at: item.publishAt,
      archive_at: item.archiveAt,
      source_changed_at: null,
      not_publishable_reason: null,
      created_at: item.now,
      updated_at: item.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toItem(row as ItemRow);
}

export async function findItem(db: Executor, workspaceId: string, id: string): Promise<ContentItem | null> {
  const row = await db
    .selectFrom('content_items')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toItem(row as ItemRow) : null;
}

/** The item with its row locked until the transaction ends: every writer of one item goes through this. */
export async function lockItem(tx: Executor, workspaceId: string, id: string): Promise<ContentItem | null> {
  const row = await tx
    .selectFrom('content_items')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row ? toItem(row as ItemRow) : null;
}

export interface ItemPatch {
  title?: string;
  slug?: string;
  tags?: string[];
  locale?: string;
  metadata?: Record<string, unknown>;
  state?: string;
  currentVersionId?: string;
  publishAt?: Date | null;
  archiveAt?: Date | null;
  definitionId?: string | null;
  definitionKey?: string;
  definitionVersion?: number;
  /** Starts a new approval round (set on every state change). */
  newRound?: boolean;
  /** An edit clears the catalog's "source changed" flag: the author has looked at it. */
  clearSourceChanged?: boolean;
}

/** Applies `patch` and bumps `version`; the caller holds the row lock and has checked the expected version. */
export async function updateItem(
  tx: Executor,
  id: string,
  patch: ItemPatch,
  now: Date,
): Promise<ContentItem> {
  const row = await tx
    .updateTable('content_items')
    .set((eb) => ({
      version: eb('version', '+', 1),
      updated_at: now,
      ...(patch.title !== undefined ? { title: patch.title } : {}),
      ...(patch.slug !== undefined ? { slug: patch.slug } : {}),
      ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
      ...(patch.locale !== undefined ? { locale: patch.locale } : {}),
      ...(patch.metadata !== undefined ? { metadata: JSON.stringify(patch.metadata) as never } : {}),
      ...(patch.state !== undefined ? { state: patch.state } : {}),
      ...(patch.currentVersionId !== undefined ? { current_version_id: patch.currentVersionId } : {}),
      ...(patch.publishAt !== undefined ? { publish_at: patch.publishAt } : {}),
      ...(patch.archiveAt !== undefined ? { archive_at: patch.archiveAt } : {}),
      ...(patch.definitionId !== undefined ? { definition_id: patch.definitionId } : {}),
      ...(patch.definitionKey !== undefined ? { definition_key: patch.definitionKey } : {}),
      ...(patch.definitionVersion !== undefined ? { definition_version: patch.definitionVersion } : {}),
      ...(patch.newRound ? { review_round: eb('review_round', '+', 1) } : {}),
      ...(patch.clearSourceChanged ? { source_changed_at: null } : {}),
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toItem(row as ItemRow);
}

export interface ItemFilter {
  state?: string | undefined;
  type?: ContentType | undefined;
  tag?: string | undefined;
  after?: { updatedAt: string; id: string } | undefined;
  limit: number;
}

/** Newest first, keyset-paginated on (updated_at, id). */
export async function listItems(db: Executor, workspaceId: string, f: ItemFilter): Promise<ContentItem[]> {
  let q = db.selectFrom('content_items').selectAll().where('workspace_id', '=', workspaceId);
  if (f.state) q = q.where('state', '=', f.state);
  if (f.type) q = q.where('type', '=', f.type);
  if (f.tag) q = q.where(sql<boolean>`${f.tag} = ANY(tags)`);
  if (f.after) {
    const at = new Date(f.after.updatedAt);
    const id = f.after.id;
    q = q.where((eb) =>
      eb.or([eb('updated_at', '<', at), eb.and([eb('updated_at', '=', at), eb('id', '<', id)])]),
    );
  }
  const rows = await q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map((r) => toItem(r as ItemRow));
}

type VersionRow = {
  id: string;
  content_id: string;
  version: number;
  title: string;
  body: string;
  body_format: VersionBodyFormat;
  fields: Record<string, unknown>;
  author_id: string | null;
  content_hash: string;
  restored_from: number | null;
  created_at: Date;
};

function toVersion(r: VersionRow): ContentVersion {
  return {
    id: r.id,
    contentId: r.content_id,
    version: Number(r.version),
    title: r.title,
    body: r.body,
    bodyFormat: r.body_format,
    fields: r.fields,
    authorId: r.author_id,
    contentHash: r.content_hash,
    restoredFrom: r.restored_from === null ? null : Number(r.restored_from),
    createdAt: toDate(r.created_at),
  };
}

export type NewVersion = Omit<ContentVersion, 'id'>;

export async function insertVersion(tx: Executor, v: NewVersion): Promise<ContentVersion> {
  const row = await tx
    .insertInto('content_versions')
    .values({
      content_id: v.contentId,
      version: v.version,
      title: v.title,
      body: v.body,
      body_format: v.bodyFormat,
      fields: JSON.stringify(v.fields) as never,
      author_id: v.authorId,
      content_hash: v.contentHash,
      restored_from: v.restoredFrom,
      created_at: v.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toVersion(row as VersionRow);
}

export async function findVersionById(db: Executor, id: string): Promise<ContentVersion | null> {
  const row = await db.selectFrom('content_versions').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toVersion(row as VersionRow) : null;
}

export async function findVersion(
  db: Executor,
  contentId: string,
  version: number,
): Promise<ContentVersion | null> {
  const row = await db
    .selectFrom('content_versions')
    .selectAll()
    .where('content_id', '=', contentId)
    .where('version', '=', version)
    .executeTakeFirst();
  return row ? toVersion(row as VersionRow) : null;
}

export async function findLatestVersionNumber(db: Executor, contentId: string): Promise<number> {
  const row = await db
    .selectFrom('content_versions')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('content_id', '=', contentId)
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}

/** A page of versions, newest first: those numbered below `beforeVersion` (keyset on the version number). */
export interface VersionPage {
  beforeVersion?: number | undefined;
  limit: number;
}

/** Newest first; every version without `page`. */
export async function listVersions(
  db: Executor,
  contentId: string,
  page?: VersionPage,
): Promise<ContentVersion[]> {
  let q = db.selectFrom('content_versions').selectAll().where('content_id', '=', contentId);
  if (page?.beforeVersion !== undefined) q = q.where('version', '<', page.beforeVersion);
  if (page) q = q.limit(page.limit);
  const rows = await q.orderBy('version', 'desc').execute();
  return rows.map((r) => toVersion(r as VersionRow));
}

export async function replaceLinks(
  tx: Executor,
  contentId: string,
  links: readonly ContentLink[],
): Promise<void> {
  await tx.deleteFrom('content_links').where('content_id', '=', contentId).execute();
  if (links.length === 0) return;
  await tx
    .insertInto('content_links')
    .values(links.map((l) => ({ content_id: contentId, kind: l.kind, target_id: l.targetId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function listLinks(db: Executor, contentId: string): Promise<ContentLink[]> {
  const rows = await db
    .selectFrom('content_links')
    .select(['kind', 'target_id'])
    .where('content_id', '=', contentId)
    .orderBy('kind')
    .orderBy('target_id')
    .execute();
  return rows.map((r) => ({ kind: r.kind, targetId: r.target_id }));
}

/** A page of transitions after a position in (at, version, id) order. */
export interface TransitionPage {
  after?: { at: Date; version: number; id: string } | undefined;
  limit: number;
}

/** Oldest first, ordered by (at, version, id); every transition without `page`. */
export async function listTransitions(
  db: Executor,
  contentId: string,
  page?: TransitionPage,
): Promise<TransitionRecord[]> {
  let q = db.selectFrom('content_transitions').selectAll().where('content_id', '=', contentId);
  const after = page?.after;
  if (after) {
    q = q.where((eb) =>
      eb(eb.refTuple('at', 'version', 'id'), '>', eb.tuple(after.at, after.version, after.id)),
    );
  }
  if (page) q = q.limit(page.limit);
  const rows = await q.orderBy('at').orderBy('version').orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    contentId: r.content_id,
    from: r.from_state,
    to: r.to_state,
    action: r.action,
    actorUserId: r.actor_user_id,
    actorKind: r.actor_kind,
    reason: r.reason,
    version: Number(r.version),
    contentHash: r.content_hash,
    at: toDate(r.at),
  }));
}

export interface ApprovalRecord {
  userId: string;
  action: string;
  contentHash: string;
  round: number;
  at: Date;
}

/** A stored approval: its id is the tie-break of the history's keyset pagination. */
export type StoredApproval = ApprovalRecord & { id: string };

/** A page of approvals after a position in (at, id) order. */
export interface ApprovalPage {
  after?: { at: Date; id: string } | undefined;
  limit: number;
}

/** Oldest first, ordered by (at, id); all of them (of `round`, if given) without `page`. */
export async function listApprovals(
  db: Executor,
  contentId: string,
  round?: number,
  page?: ApprovalPage,
): Promise<StoredApproval[]> {
  let q = db.selectFrom('content_approvals').selectAll().where('content_id', '=', contentId);
  if (round !== undefined) q = q.where('round', '=', round);
  const after = page?.after;
  if (after) q = q.where((eb) => eb(eb.refTuple('at', 'id'), '>', eb.tuple(after.at, after.id)));
  if (page) q = q.limit(page.limit);
  const rows = await q.orderBy('at').orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    action: r.action,
    contentHash: r.content_hash,
    round: Number(r.round),
    at: toDate(r.at),
  }));
}

/** True when recorded; false when this user already approved this hash in this round. */
export async function insertApproval(tx: Executor, contentId: string, a: ApprovalRecord): Promise<boolean> {
  const rows = await tx
    .insertInto('content_approvals')
    .values({
      content_id: contentId,
      user_id: a.userId,
      action: a.action,
      content_hash: a.contentHash,
      round: a.round,
      at: a.at,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute();
  return rows.length > 0;
}

/** Points a just-created item at its first version without bumping `version` (creation is version 1). */
export async function setFirstVersion(tx: Executor, id: string, versionId: string): Promise<ContentItem> {
  const row = await tx
    .updateTable('content_items')
    .set({ current_version_id: versionId })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toItem(row as ItemRow);
}

/** What the workflow engine reads about an item besides the item row itself. */
export interface TransitionInputs {
  version: ContentVersion;
  authorIds: string[];
  approvals: ApprovalRecord[];
}

/**
 * The current version, every author and the approvals of `round`, in one round trip (a transition used to spend
 * three on them). Runs as its own statement after `lockItem` on purpose: under READ COMMITTED a fresh statement
 * sees what the writer we waited for on the row lock committed; folded into the locking SELECT, the subqueries
 * would keep the older snapshot and miss a concurrent approval.
 */
export async function loadTransitionInputs(
  db: Executor,
  contentId: string,
  versionId: string,
  round: number,
): Promise<TransitionInputs | null> {
  const result = await sql<VersionRow & { author_ids: string[] | null; approvals: ApprovalJson[] }>`
    select v.*,
      array(
        select distinct a.author_id::text from content_versions a
        where a.content_id = ${contentId} and a.author_id is not null
      ) as author_ids,
      coalesce(
        (select jsonb_agg(
            jsonb_build_object('userId', p.user_id, 'action', p.action, 'contentHash', p.content_hash,
              'round', p.round, 'at', p.at)
            order by p.at)
          from content_approvals p where p.content_id = ${contentId} and p.round = ${round}),
        '[]'::jsonb
      ) as approvals
    from content_versions v
    where v.id = ${versionId}`.execute(db);
  const row = result.rows[0];
  if (!row) return null;
  const { author_ids, approvals, ...version } = row;
  return {
    version: toVersion(version),
    authorIds: author_ids ?? [],
    approvals: approvals.map((a) => ({ ...a, round: Number(a.round), at: toDate(a.at) })),
  };
}

type ApprovalJson = { userId: string; action: string; contentHash: string; round: number; at: string };

export interface StateMove {
  id: string;
  from: string;
  to: string;
  /** False clears a pending `archive_at` along with `publish_at`. */
  keepArchive: boolean;
  action: string;
  actorUserId: string | null;
  actorKind: 'user' | 'token' | 'system';
  reason: string | null;
  contentHash: string;
  at: Date;
}

/**
 * A state change in one statement: bumps version and review round, clears the schedule, and appends the history
 * row carrying the new version (the caller holds the row lock). Same effect as `updateItem` + `insertTransition`,
 * one round trip instead of two.
 */
export async function moveItemState(tx: Executor, m: StateMove): Promise<ContentItem> {
  const result = await sql<ItemRow>`
    with moved as (
      update content_items set
        version = version + 1,
        updated_at = ${m.at}::timestamptz,
        state = ${m.to},
        publish_at = null,
        archive_at = case when ${m.keepArchive}::boolean then archive_at else null end,
        review_round = review_round + 1
      where id = ${m.id}
      returning *
    ), history as (
      insert into content_transitions
        (content_id, from_state, to_state, action, actor_user_id, actor_kind, reason, version, content_hash, at)
      select moved.id, ${m.from}, moved.state, ${m.action}, ${m.actorUserId}::uuid, ${m.actorKind}, ${m.reason},
        moved.version, ${m.contentHash}, ${m.at}::timestamptz
      from moved
    )
    select * from moved`.execute(tx);
  const row = result.rows[0];
  if (!row) throw new Error(`content ${m.id} vanished while locked`);
  return toItem(row);
}
