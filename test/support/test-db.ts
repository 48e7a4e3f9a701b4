/**
 * A fresh, migrated database for one test file: an in-memory PGlite cloned from the template by default, or a
 * PostgreSQL database cloned from the template database when TEST_DATABASE_URL is set.
 */
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { readTestEnv } from '../../src/server/config.js';
import { openDatabase, type Db } from '../../src/server/platform/db/index.js';
import { clonePgDatabase } from './pg-template.js';

export interface TestDb {
  db: Db;
  /** postgres://… of this test's database, or null on PGlite. */
  url: string | null;
  close(): Promise<void>;
}

export const onPostgres = (): boolean => readTestEnv().databaseUrl !== null;

export async function createTestDb(): Promise<TestDb> {
  const { databaseUrl } = readTestEnv();
  const pgTemplate = inject('pgTemplate');
  if (databaseUrl && pgTemplate) {
    const clone = await clonePgDatabase(databaseUrl, pgTemplate);
    const db = await openDatabase({ url: clone.url, poolSize: 5 });
    return {
      db,
      url: clone.url,
      close: async () => {
        await db.close();
        await clone.drop();
      },
    };
  }
  const tar = readFileSync(inject('pgliteTemplate'));
  const db = await openDatabase({ loadDataDir: new Blob([tar]) });
  return { db, url: null, close: () => db.close() };
}
