/**
 * First run: on an empty database, create the `default` workspace and its owner.
 *
 * With SWITCHBOARD_BOOTSTRAP_EMAIL/PASSWORD the owner gets those credentials. Otherwise a one-time password is
 * generated and RETURNED (never logged or stored in plain text): `serve` prints it once, and the owner must change
 * it at first login (`must_change_password`).
 *
 * Concurrent starters (several processes on one PostgreSQL) serialize on a transaction-scoped advisory lock, then
 * re-check emptiness, so exactly one owner is created.
 */
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import { inTransaction, type Executor } from '../db/index.js';
import type { ScryptParams } from './password.js';
import { createUser } from './users.service.js';
import { createWorkspace } from './workspaces.service.js';

/** Fixed advisory lock key for first run (the migration lock is 727_001). */
const FIRST_RUN_LOCK_KEY = 727_004;
export const DEFAULT_OWNER_EMAIL = 'owner@switchboard.local';

export interface FirstRunOptions {
  bootstrapEmail?: string | null;
  bootstrapPassword?: string | null;
  clock: Clock;
  publicUrl: string;
  scrypt?: ScryptParams;
}

export type FirstRunResult =
  | { created: false }
  | {
      created: true;
      workspaceId: string;
      email: string;
      /** Present only when generated: print it once, then forget it. */
      oneTimePassword: string | null;
      loginUrl: string;
    };

export async function ensureFirstRun(db: Executor, opts: FirstRunOptions): Promise<FirstRunResult> {
  const bootstrap = Boolean(opts.bootstrapEmail && opts.bootstrapPassword);
  // Generated before the lock: scrypt inside createUser is the slow part, but the password itself is cheap.
  const oneTimePassword = bootstrap ? null : generateOneTimePassword();
  return inTransaction(db, async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${FIRST_RUN_LOCK_KEY})`.execute(tx);
    const existing = await tx.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (existing) return { created: false } as const;
    const workspace =
      (await tx.selectFrom('workspaces').select(['id']).where('slug', '=', 'default').executeTakeFirst()) ??
      (await createWorkspace(tx, { slug: 'default', name: 'Default workspace' }));
    const email = bootstrap ? opts.bootstrapEmail! : DEFAULT_OWNER_EMAIL;
    const user = await createUser(tx, {
      email,
      name: 'Owner',
      password: bootstrap ? opts.bootstrapPassword! : oneTimePassword!,
      mustChangePassword: !bootstrap,
      workspaceId: workspace.id,
      role: 'owner',
      ...(opts.scrypt ? { scrypt: opts.scrypt } : {}),
    });
    return {
      created: true,
      workspaceId: workspace.id,
      email: user.email,
      oneTimePassword,
      loginUrl: `${opts.publicUrl.replace(/\/$/, '')}/login`,
    } as const;
  });
}

/** 20 characters from an unambiguous alphabet (~116 bits), grouped for reading aloud: `abcd-efgh-…`. */
function generateOneTimePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const chars = Array.from({ length: 20 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return chars.match(/.{5}/g)!.join('-');
}
