/** Credential key rotation: every registered encrypted column re-encrypted in one transaction; key file replaced. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EncryptedColumnRegistry,
  isSecretBoxError,
  keyFilePath,
  loadSecretBox,
  rotateSecretKey,
  SecretBox,
} from '../../src/server/platform/crypto/index.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

let testDb: TestDb;
beforeAll(async () => {
  testDb = await createTestDb();
  // Stands in for a later module's table with its own encrypted column.
  await sql`CREATE TABLE test_connections (id serial PRIMARY KEY, credentials text)`.execute(
    testDb.db.kysely,
  );
});
afterAll(() => testDb?.close());

async function readAll(): Promise<string[]> {
  const a = await testDb.db.kysely
    .selectFrom('encrypted_secrets')
    .select('ciphertext')
    .orderBy('name')
    .execute();
  const b = await sql<{
    credentials: string | null;
  }>`SELECT credentials FROM test_connections ORDER BY id`.execute(testDb.db.kysely);
  return [...a.map((r) => r.ciphertext), ...b.rows.map((r) => r.credentials ?? 'NULL')];
}

describe('rotateSecretKey', () => {
  it('re-encrypts all registered columns under a new key and replaces the key file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-rotate-'));
    const { box: oldBox, keyFile } = loadSecretBox({ secretKey: null, embedded: true, dataDir });
    const db = testDb.db.kysely;
    await db
      .insertInto('encrypted_secrets')
      .values([
        { name: 'a', ciphertext: oldBox.encrypt('alpha') },
        { name: 'b', ciphertext: oldBox.encrypt('beta') },
      ])
      .execute();
    await sql`INSERT INTO test_connections (credentials) VALUES (${oldBox.encrypt('{"apiKey":"k1"}')}), (NULL)`.execute(
      db,
    );

    const registry = new EncryptedColumnRegistry();
    registry.registerEncryptedColumn({ table: 'test_connections', idColumn: 'id', column: 'credentials' });
    const result = await rotateSecretKey({
      db,
      current: oldBox,
      columns: registry.listEncryptedColumns(),
      keyFile,
    });
    // toMatchObject: modules register their own columns too (e.g. connections.*), empty in this database.
    expect(result.reencrypted).toMatchObject({
      'encrypted_secrets.ciphertext': 2,
      'test_connections.credentials': 1,
    });

    const values = await readAll();
    expect(values[3]).toBe('NULL');
    const sealed = values.slice(0, 3);
    expect(sealed.every((v) => result.box.isCurrent(v))).toBe(true);
    expect(sealed.map((v) => result.box.decrypt(v))).toEqual(['alpha', 'beta', '{"apiKey":"k1"}']);
    expect(() => oldBox.decrypt(sealed[0]!)).toThrow(expect.objectContaining({ code: 'SECRET_KEY_UNKNOWN' }));

    // The key file now holds the new key; a restart loads it.
    expect(existsSync(`${keyFile!}.next`)).toBe(false);
    expect(
      Buffer.from(readFileSync(keyFilePath(dataDir), 'utf8').trim(), 'base64').equals(result.newKey),
    ).toBe(true);
    const reloaded = loadSecretBox({ secretKey: null, embedded: true, dataDir });
    expect(reloaded.box.decrypt(sealed[2]!)).toBe('{"apiKey":"k1"}');
  });

  it('changes nothing when one value cannot be decrypted (one transaction) and keeps the old key file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-rotate-'));
    const { box, keyFile } = loadSecretBox({ secretKey: null, embedded: true, dataDir });
    const db = testDb.db.kysely;
    await db.deleteFrom('encrypted_secrets').execute();
    await sql`DELETE FROM test_connections`.execute(db);
    await db
      .insertInto('encrypted_secrets')
      .values([
        { name: 'good', ciphertext: box.encrypt('ok') },
        { name: 'zz-foreign', ciphertext: new SecretBox(Buffer.alloc(32, 9)).encrypt('not ours') },
      ])
      .execute();
    const before = await readAll();
    const keyBefore = readFileSync(keyFile!, 'utf8');
    const err = await rotateSecretKey({
      db,
      current: box,
      columns: new EncryptedColumnRegistry().listEncryptedColumns(),
      keyFile,
    }).catch((e: unknown) => e);
    expect(isSecretBoxError(err)).toBe(true);
    expect(await readAll()).toEqual(before);
    expect(readFileSync(keyFile!, 'utf8')).toBe(keyBefore);
    expect(existsSync(`${keyFile!}.next`)).toBe(false);
  });

  it('with a configured key (no key file) returns the new key for the operator to install', async () => {
    const current = new SecretBox(Buffer.alloc(32, 3));
    const db = testDb.db.kysely;
    await db.deleteFrom('encrypted_secrets').execute();
    await db
      .insertInto('encrypted_secrets')
      .values({ name: 'x', ciphertext: current.encrypt('x') })
      .execute();
    const newKey = Buffer.alloc(32, 4);
    const r = await rotateSecretKey({
      db,
      current,
      columns: new EncryptedColumnRegistry().listEncryptedColumns(),
      newKey,
      keyFile: null,
    });
    expect(r.newKey.equals(newKey)).toBe(true);
    const row = await db.selectFrom('encrypted_secrets').select('ciphertext').executeTakeFirstOrThrow();
    expect(new SecretBox(newKey).decrypt(row.ciphertext)).toBe('x');
  });
});
