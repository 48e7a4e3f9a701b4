/**
 * Scratch PostgreSQL databases and temp directories for benchmarks. Each system under test gets its own database
 * (pg-boss and graphile-worker create their own schemas, and must not see each other's load), dropped at the end.
 * Names carry the process id, so two bench runs against one server never drop each other's databases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function databaseUrlFor(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = '/' + database;
  return u.toString();
}

/** Creates `<base>_<pid>` empty (dropping a leftover of that name first). */
export async function createScratchDatabase(serverUrl: string, base: string): Promise<ScratchDatabase> {
  const name = `${base}_${process.pid}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad scratch database name: ${name}`);
  await withAdmin(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  return { name, url: databaseUrlFor(serverUrl, name), drop: () => dropScratchDatabase(serverUrl, name) };
}

/**
 * Waits (up to 5 s) for the libraries' own pools to finish closing before dropping: a forced drop terminates
 * leftover connections, and a pool that already removed its error listener (graphile-worker's, while it ends)
 * would crash the process with an unhandled 'error' event.
 */
async function dropScratchDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdmin(serverUrl, async (c) => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const r = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      if ((r.rows[0]?.n ?? 0) === 0 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}

export function createTempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
