/** First run: default workspace + owner, generated one-time password or bootstrap credentials, one owner only. */
import { afterEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../src/server/platform/clock.js';
import { openDatabase } from '../../src/server/platform/db/index.js';
import { ensureFirstRun, listUsers, login } from '../../src/server/platform/auth/index.js';
import { createTestDb, onPostgres, type TestDb } from '../support/test-db.js';
import { FAST_SCRYPT } from './auth-app.fixture.js';

const clock = new TestClock('2026-03-01T00:00:00Z');
const publicUrl = 'http://localhost:3000';
let testDb: TestDb | null = null;
afterEach(async () => {
  await testDb?.close();
  testDb = null;
});

const loginDeps = () => ({ db: testDb!.db.kysely, clock, sessionTtlMs: 3600_000, scrypt: FAST_SCRYPT });

describe('ensureFirstRun', () => {
  it('creates the default workspace and an owner with a one-time password that must be changed, once', async () => {
    testDb = await createTestDb();
    const first = await ensureFirstRun(testDb.db.kysely, { clock, publicUrl, scrypt: FAST_SCRYPT });
    if (!first.created) throw new Error('expected creation');
    expect(first.oneTimePassword).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    expect(first.loginUrl).toBe('http://localhost:3000/login');
    const members = await listUsers(testDb.db.kysely, first.workspaceId);
    expect(members).toEqual([
      expect.objectContaining({ email: first.email, role: 'owner', mustChangePassword: true }),
    ]);
    // Stored only as a hash.
    const row = await testDb.db.kysely.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain(first.oneTimePassword!);
    const ok = await login(loginDeps(), {
      email: first.email,
      password: first.oneTimePassword!,
      ip: '127.0.0.1',
    });
    expect(ok.user.mustChangePassword).toBe(true);
    expect(ok.workspaces).toEqual([expect.objectContaining({ slug: 'default', role: 'owner' })]);
    expect(await ensureFirstRun(testDb.db.kysely, { clock, publicUrl })).toEqual({ created: false });
  });

  it('uses bootstrap credentials when given (no one-time password, no forced change)', async () => {
    testDb = await createTestDb();
    const r = await ensureFirstRun(testDb.db.kysely, {
      clock,
      publicUrl,
      bootstrapEmail: 'Boss@Example.com',
      bootstrapPassword: 'bootstrap password 1',
      scrypt: FAST_SCRYPT,
    });
    expect(r).toMatchObject({ created: true, email: 'boss@example.com', oneTimePassword: null });
    const ok = await login(loginDeps(), {
      email: 'boss@example.com',
      password: 'bootstrap password 1',
      ip: '127.0.0.1',
    });
    expect(ok.user.mustChangePassword).toBe(false);
  });

  it('creates exactly one owner when several processes start at once', async () => {
    testDb = await createTestDb();
    // On PostgreSQL: separate pools, as separate processes would have. On PGlite the single connection serializes.
    const dbs = onPostgres()
      ? await Promise.all([1, 2, 3, 4].map(() => openDatabase({ url: testDb!.url!, poolSize: 2 })))
      : [testDb.db];
    try {
      const results = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          ensureFirstRun(dbs[i % dbs.length]!.kysely, { clock, publicUrl, scrypt: FAST_SCRYPT }),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const owners = await testDb.db.kysely
        .selectFrom('memberships')
        .select('user_id')
        .where('role', '=', 'owner')
        .execute();
      expect(owners).toHaveLength(1);
      expect(await testDb.db.kysely.selectFrom('workspaces').select('id').execute()).toHaveLength(1);
    } finally {
      if (onPostgres()) await Promise.all(dbs.map((d) => d.close()));
    }
  });
});
