/**
 * Workspaces (tenants) and memberships. Used by HTTP, the CLI and first run; every function takes an `Executor`
 * so callers can run it inside their own transaction.
 */
import { ValidationError } from '../errors/index.js';
import { inTransaction, type Executor, type WorkspaceRole } from '../db/index.js';
import {
  isUniqueViolation,
  MembershipExistsError,
  WorkspaceAccessError,
  WorkspaceSlugTakenError,
} from './auth.errors.js';

export const WORKSPACE_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}

/** A workspace seen by one member. */
export interface MemberWorkspace {
  id: string;
  slug: string;
  name: string;
  role: WorkspaceRole;
}

export interface CreateWorkspaceInput {
  slug: string;
  name: string;
  /** Becomes the workspace's owner. */
  ownerUserId?: string | null;
}

export async function createWorkspace(db: Executor, input: CreateWorkspaceInput): Promise<Workspace> {
  const slug = input.slug.trim().toLowerCase();
  if (!WORKSPACE_SLUG.test(slug)) {
    throw new ValidationError(
      'Slug must be 1–63 lowercase letters, digits or dashes, starting with a letter or digit',
      {
        field: 'slug',
      },
    );
  }
  const name = input.name.trim();
  if (!name) throw new ValidationError('Name must not be empty', { field: 'name' });
  return inTransaction(db, async (tx) => {
    let row;
    try {
      row = await tx
        .insertInto('workspaces')
        .values({ slug, name })
        .returning(['id', 'slug', 'name', 'created_at'])
        .executeTakeFirstOrThrow();
    } catch (e) {
      if (isUniqueViolation(e)) throw new WorkspaceSlugTakenError(slug);
      throw e;
    }
    if (input.ownerUserId) {
      await tx
        .insertInto('memberships')
        .values({ workspace_id: row.id, user_id: input.ownerUserId, role: 'owner' })
        .execute();
    }
    return { id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at };
  });
}

/** All workspaces (CLI, system), oldest first. */
export async function listWorkspaces(db: Executor): Promise<Workspace[]> {
  const rows = await db
    .selectFrom('workspaces')
    .select(['id', 'slug', 'name', 'created_at'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, createdAt: r.created_at }));
}

/** The workspaces a user belongs to, in membership order (the first is their default). */
export async function listMemberWorkspaces(db: Executor, userId: string): Promise<MemberWorkspace[]> {
  return db
    .selectFrom('memberships as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.id', 'w.slug', 'w.name', 'm.role'])
    .where('m.user_id', '=', userId)
    .orderBy('m.created_at')
    .orderBy('w.slug')
    .execute();
}

/**
 * The workspace a session user acts in: the one named by `ref` (id or slug), else their first membership.
 * Throws 403 when they are not a member.
 */
export async function selectMemberWorkspace(
  db: Executor,
  userId: string,
  ref?: string,
): Promise<MemberWorkspace> {
  let q = db
    .selectFrom('memberships as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.id', 'w.slug', 'w.name', 'm.role'])
    .where('m.user_id', '=', userId);
  if (ref !== undefined && ref !== '') {
    q = UUID.test(ref) ? q.where('w.id', '=', ref) : q.where('w.slug', '=', ref.toLowerCase());
  }
  const row = await q.orderBy('m.created_at').orderBy('w.slug').limit(1).executeTakeFirst();
  if (!row) throw new WorkspaceAccessError(ref);
  return row;
}

export async function getWorkspace(db: Executor, id: string): Promise<Workspace | undefined> {
  const r = await db
    .selectFrom('workspaces')
    .select(['id', 'slug', 'name', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  return r && { id: r.id, slug: r.slug, name: r.name, createdAt: r.created_at };
}

export async function addMember(
  db: Executor,
  input: { workspaceId: string; userId: string; role: WorkspaceRole },
): Promise<void> {
  try {
    await db
      .insertInto('memberships')
      .values({ workspace_id: input.workspaceId, user_id: input.userId, role: input.role })
      .execute();
  } catch (e) {
    if (isUniqueViolation(e)) throw new MembershipExistsError();
    throw e;
  }
}
