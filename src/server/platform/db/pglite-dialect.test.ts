import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteSession } from './embedded-session.js';
import { PGliteDialect } from './pglite-dialect.js';

interface Schema {
  t: { id: number };
}

let pg: PGlite;
let db: Kysely<Schema>;
const statements: string[] = [];
beforeAll(async () => {
  pg = await PGlite.create();
  await pg.exec('CREATE TABLE t (id int PRIMARY KEY)');
  // Records what reaches the session, to see when BEGIN is sent.
  const session = new PGliteSession(pg);
  const query = session.query.bind(session);
  session.query = (text, params) => {
    statements.push(text);
    return query(text, params);
  };
  db = new Kysely<Schema>({ dialect: new PGliteDialect({ session }) });
});
afterAll(() => pg.close());

const ids = async () => (await db.selectFrom('t').select('id').orderBy('id').execute()).map((r) => r.id);
/** SAVEPOINT only works inside a transaction block: the probe tells whether one was left open on the session. */
const inTransaction = async () =>
  pg.exec('SAVEPOINT probe; RELEASE SAVEPOINT probe').then(
    () => true,
    () => false,
  );

describe('the PGlite dialect', () => {
  it('sends BEGIN just before the first statement of a transaction, and commits', async () => {
    statements.length = 0;
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('t').values({ id: 1 }).execute();
      await tx.insertInto('t').values({ id: 2 }).execute();
    });
    expect(statements).toEqual([
      'begin',
      'insert into "t" ("id") values ($1)',
      'insert into "t" ("id") values ($1)',
      'commit',
    ]);
    expect(await ids()).toEqual([1, 2]);
  });

  it('rolls back a transaction that failed after its first statement', async () => {
    await expect(
      db.transaction().execute(async (tx) => {
        await tx.insertInto('t').values({ id: 3 }).execute();
        expect(await inTransaction()).toBe(true);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await ids()).toEqual([1, 2]);
    expect(await inTransaction()).toBe(false);
  });

  it('sends nothing for a transaction that ran no statement, committed or failed', async () => {
    statements.length = 0;
    await db.transaction().execute(async () => {});
    await expect(
      db.transaction().execute(async () => {
        throw new Error('before any statement');
      }),
    ).rejects.toThrow('before any statement');
    expect(statements).toEqual([]);
    expect(await inTransaction()).toBe(false);
  });

  it('rolls back when the first statement after a BEGIN with an isolation level fails; the session stays usable', async () => {
    await expect(
      db
        .transaction()
        .setIsolationLevel('serializable')
        .execute(async (tx) => {
          await sql`INSERT INTO t (id) VALUES (1)`.execute(tx);
        }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await inTransaction()).toBe(false);
    await db.transaction().execute((tx) => tx.insertInto('t').values({ id: 4 }).execute());
    expect(await ids()).toEqual([1, 2, 4]);
  });
});
