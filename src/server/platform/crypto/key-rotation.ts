/**
 * Key rotation: re-encrypt every stored secret under a new key in ONE transaction, so the database is never half
 * old-key and half new-key. Modules that store ciphertexts register their columns; the registry is the list of
 * everything rotation must visit (a column left out would become unreadable once the old key is gone).
 *
 * Key file order (embedded mode): write `secret.key.next` → commit → rename it over `secret.key`. A crash between
 * the steps leaves both files; `loadSecretBox` loads both, so every value stays readable.
 */
import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import type { Executor } from '../db/index.js';
import { inTransaction } from '../db/index.js';
import { generateSecretKey, SecretBox } from './secret-box.js';
import { promotePendingKeyFile, writePendingKeyFile } from './secret-key.js';

/** A table column holding SecretBox ciphertexts (nullable columns are fine). */
export interface EncryptedColumn {
  table: string;
  /** Primary key column used to update rows one by one. */
  idColumn: string;
  column: string;
}

/** The kernel's own encrypted column; modules add theirs with `registerEncryptedColumn`. */
export const KERNEL_ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  { table: 'encrypted_secrets', idColumn: 'id', column: 'ciphertext' },
];

/** The list of encrypted columns, built at startup by the composition root and passed to rotation. */
export class EncryptedColumnRegistry {
  private readonly columns = new Map<string, EncryptedColumn>();
  constructor(initial: readonly EncryptedColumn[] = KERNEL_ENCRYPTED_COLUMNS) {
    for (const c of initial) this.registerEncryptedColumn(c);
  }
  registerEncryptedColumn(column: EncryptedColumn): void {
    this.columns.set(`${column.table}.${column.column}`, column);
  }
  listEncryptedColumns(): EncryptedColumn[] {
    return [...this.columns.values()];
  }
}

export interface RotateSecretKeyOptions {
  db: Executor;
  /** Box able to decrypt the current values. */
  current: SecretBox;
  columns: readonly EncryptedColumn[];
  /** The new key; generated when omitted. */
  newKey?: Buffer;
  /** Embedded mode: the key file to replace; null when the key comes from config (the operator updates it). */
  keyFile?: string | null;
}

export interface RotateSecretKeyResult {
  newKey: Buffer;
  keyId: string;
  /** Values re-encrypted, per `table.column`. */
  reencrypted: Record<string, number>;
  box: SecretBox;
}

export async function rotateSecretKey(opts: RotateSecretKeyOptions): Promise<RotateSecretKeyResult> {
  const newKey = opts.newKey ?? generateSecretKey();
  const next = new SecretBox(newKey);
  if (opts.keyFile) writePendingKeyFile(opts.keyFile, newKey);
  const reencrypted: Record<string, number> = {};
  try {
    await inTransaction(opts.db, async (tx) => {
      for (const col of opts.columns) {
        reencrypted[`${col.table}.${col.column}`] = await reencryptColumn(tx, col, opts.current, next);
      }
    });
  } catch (e) {
    // Rolled back: nothing was sealed under the new key, so the pending key file is useless.
    if (opts.keyFile) rmSync(`${opts.keyFile}.next`, { force: true });
    throw e;
  }
  if (opts.keyFile) promotePendingKeyFile(opts.keyFile);
  return { newKey, keyId: next.keyId, reencrypted, box: next };
}

async function reencryptColumn(
  tx: Executor,
  col: EncryptedColumn,
  from: SecretBox,
  to: SecretBox,
): Promise<number> {
  const table = sql.table(col.table);
  const id = sql.ref(col.idColumn);
  const value = sql.ref(col.column);
  // FOR UPDATE: a concurrent writer on PostgreSQL waits and then writes under whichever key it holds; it must be
  // restarted with the new key after rotation (documented in the CLI output).
  const rows = await sql<{ id: unknown; value: string }>`
    SELECT ${id} AS id, ${value} AS value FROM ${table} WHERE ${value} IS NOT NULL FOR UPDATE`.execute(tx);
  let count = 0;
  for (const row of rows.rows) {
    if (to.isCurrent(row.value)) continue;
    const sealed = to.encrypt(from.decrypt(row.value));
    await sql`UPDATE ${table} SET ${value} = ${sealed} WHERE ${id} = ${row.id}`.execute(tx);
    count++;
  }
  return count;
}
