/**
 * Users: one account (email unique case-insensitively) can belong to several workspaces with a different role in
 * each. Passwords are only ever stored as scrypt hashes.
 */
import { z } from 'zod';
import { AppError, NotFoundError, ValidationError } from '../errors/index.js';
import { inTransaction, type Executor, type WorkspaceRole } from '../db/index.js';
import { EmailTakenError, isUniqueViolation } from './auth.errors.js';
import { assertPasswordPolicy, hashPassword, verifyPassword, type ScryptParams } from './password.js';
import { addMember } from './workspaces.service.js';

export interface User {
  id: string;
  email: string;
  name: string;
  mustChangePassword: boolean;
  disabled: boolean;
  createdAt: Date;
}

export interface WorkspaceMember extends User {
  role: WorkspaceRole;
  joinedAt: Date;
}

export interface CreateUserInput {
  email: string;
  name?: string;
  /** Omit for an account that cannot log in until a password is set. */
  password?: string | null;
  mustChangePassword?: boolean;
  /** The workspace the user joins, with their role there. */
  workspaceId: string;
  role: WorkspaceRole;
  scrypt?: ScryptParams;
}

const emailSchema = z.email();

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const USER_COLUMNS = ['id', 'email', 'name', 'must_change_password', 'disabled', 'created_at'] as const;

function toUser(r: {
  id: string;
  email: string;
  name: string;
  must_change_password: boolean;
  disabled: boolean;
  created_at: Date;
}): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    mustChangePassword: r.must_change_password,
    disabled: r.disabled,
    createdAt: r.created_at,
  };
}

export async function createUser(db: Executor, input: CreateUserInput): Promise<User> {
  const email = normalizeEmail(input.email);
  if (!emailSchema.safeParse(email).success)
    throw new ValidationError('Not a valid email address', { field: 'email' });
  if (input.password != null) assertPasswordPolicy(input.password);
  // Hash outside the transaction: it is the slow part and holds no locks.
  const passwordHash = input.password != null ? await hashPassword(input.password, input.scrypt) : null;
  return inTransaction(db, async (tx) => {
    let row;
    try {
      row = await tx
        .insertInto('users')
        .values({
          email,
          name: (input.name ?? '').trim(),
          password_hash: passwordHash,
          must_change_password: input.mustChangePassword ?? false,
        })
        .returning(USER_COLUMNS)
        .executeTakeFirstOrThrow();
    } catch (e) {
      if (isUniqueViolation(e)) throw new EmailTakenError();
      throw e;
    }
    await addMember(tx, { workspaceId: input.workspaceId, userId: row.id, role: input.role });
    return toUser(row);
  });
}

/** Members of one workspace, oldest membership first. */
export async function listUsers(db: Executor, workspaceId: string): Promise<WorkspaceMember[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'u.id',
      'u.email',
      'u.name',
      'u.must_change_password',
      'u.disabled',
      'u.created_at',
      'm.role',
      'm.created_at as joined_at',
    ])
    .where('m.workspace_id', '=', workspaceId)
    .orderBy('m.created_at')
    .orderBy('u.email')
    .execute();
  return rows.map((r) => ({ ...toUser(r), role: r.role, joinedAt: r.joined_at }));
}

export async function getUser(db: Executor, id: string): Promise<User | undefined> {
  const r = await db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
  return r && toUser(r);
}

export async function findUserByEmail(
  db: Executor,
  email: string,
): Promise<(User & { passwordHash: string | null }) | undefined> {
  const r = await db
    .selectFrom('users')
    .select([...USER_COLUMNS, 'password_hash'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', normalizeEmail(email)))
    .executeTakeFirst();
  return r && { ...toUser(r), passwordHash: r.password_hash };
}

/**
 * Changes a user's password after checking the current one; clears `must_change_password`. Session handling
 * (revoking the user's other sessions) is the caller's, so the CLI can reset without a session.
 */
export async function changePassword(
  db: Executor,
  input: { userId: string; currentPassword: string; newPassword: string; scrypt?: ScryptParams },
): Promise<void> {
  const row = await db
    .selectFrom('users')
    .select(['password_hash'])
    .where('id', '=', input.userId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('User', input.userId);
  const check = row.password_hash
    ? await verifyPassword(input.currentPassword, row.password_hash)
    : { ok: false };
  // Not 401: the caller IS authenticated, and a 401 would make clients think the session ended.
  if (!check.ok)
    throw new AppError('CURRENT_PASSWORD_INVALID', 400, 'The current password is wrong', {
      field: 'currentPassword',
    });
  if (input.newPassword === input.currentPassword) {
    throw new ValidationError('The new password must differ from the current one', { field: 'newPassword' });
  }
  await setPassword(db, {
    userId: input.userId,
    password: input.newPassword,
    ...(input.scrypt ? { scrypt: input.scrypt } : {}),
  });
}

/** Sets a password without checking the old one (admin reset, CLI). */
export async function setPassword(
  db: Executor,
  input: { userId: string; password: string; mustChangePassword?: boolean; scrypt?: ScryptParams },
): Promise<void> {
  assertPasswordPolicy(input.password);
  const hash = await hashPassword(input.password, input.scrypt);
  const res = await db
    .updateTable('users')
    .set({ password_hash: hash, must_change_password: input.mustChangePassword ?? false })
    .where('id', '=', input.userId)
    .executeTakeFirst();
  if (res.numUpdatedRows === 0n) throw new NotFoundError('User', input.userId);
}
