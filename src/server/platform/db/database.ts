/**
 * Opening the database: embedded PGlite (default, data under the data dir) or PostgreSQL via a `pg` pool.
 * The same migrations and queries serve both (DESIGN §1).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { AppError } from '../errors/index.js';
import { openEmbeddedSession, type EmbeddedSession } from './embedded-session.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

/** Anything that runs queries: the database or a transaction. Pass it down so callers can share one transaction. */
export type Executor = Kysely<Database>;

export interface Db {
  readonly kind: 'pglite' | 'postgres';
  readonly kysely: Kysely<Database>;
  /**
   * Subscribes to NOTIFY on a channel. On PostgreSQL this uses one dedicated LISTEN connection per Db (reconnected
   * on error); on PGlite the in-process instance delivers notifications itself. Returns an unsubscribe function.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** The embedded session (backup, durability checks); undefined on PostgreSQL. */
  readonly embedded?: EmbeddedSession;
  /** The pool (multi-connection work such as advisory-lock sessions); undefined on PGlite. */
  readonly pool?: pg.Pool;
  close(): Promise<void>;
}

/** Embedded durability callbacks (implemented by `createDurabilityHook` in durability.ts, ADR 0003). */
export interface EmbeddedDurability {
  /** After PGlite opened (crash recovery may have checkpointed). */
  afterOpen(session: EmbeddedSession): Promise<void>;
  /** After each commit; resolves once the commit is on stable storage. The connection is already released. */
  afterCommit(): Promise<void>;
  /** After PGlite closed (its shutdown checkpoint wrote data files). */
  afterClose(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres://… for PostgreSQL; null/empty for embedded. */
  url?: string | null;
  /** Embedded: directory for the data files; `memory://` keeps it in memory. */
  dataDir?: string;
  /** Embedded: start from a dumped data directory (tarball), e.g. a migrated test template. */
  loadDataDir?: Blob;
  poolSize?: number;
  /** Embedded: called after each commit; the durability hook (ADR 0003). */
  afterCommit?: () => Promise<void>;
  /** Embedded, file-backed: the fsync hook (`createDurabilityHook`, ADR 0003); takes precedence over `afterCommit`. */
  durability?: EmbeddedDurability;
  applicationName?: string;
}

// int8 (bigint) columns — sequences, counters — are returned as JS numbers on both drivers; values stay < 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Db> {
  if (opts.url) return openPostgres(opts.url, opts.poolSize ?? 10, opts.applicationName ?? 'switchboard');
  return openEmbedded(opts);
}

async function openPostgres(url: string, poolSize: number, applicationName: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: applicationName });
  // An idle client error (server restart) must not crash the process; the pool replaces the client.
  pool.on('error', () => {});
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listener = new PgListener(url, applicationName);
  return {
    kind: 'postgres',
    kysely,
    pool,
    listen: (channel, cb) => listener.listen(channel, cb),
    close: async () => {
      await listener.close();
      await kysely.destroy();
    },
  };
}

/** One LISTEN connection shared by all subscribers of a Db; it reconnects and re-LISTENs after errors. */
class PgListener {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly subs = new Map<string, Set<(p: string) => void>>();
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly applicationName: string,
  ) {}

  async listen(channel: string, cb: (p: string) => void): Promise<() => Promise<void>> {
    let set = this.subs.get(channel);
    const first = !set;
    if (!set) this.subs.set(channel, (set = new Set()));
    set.add(cb);
    const client = await this.connect();
    if (first) await client.query(`LISTEN ${quoteIdent(channel)}`);
    return async () => {
      set.delete(cb);
      if (set.size === 0) {
        this.subs.delete(channel);
        await this.client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => {});
      }
    };
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      const client = new pg.Client({
        connectionString: this.url,
        application_name: `${this.applicationName}-listen`,
      });
      client.on('notification', (msg) => {
        for (const cb of this.subs.get(msg.channel) ?? []) cb(msg.payload ?? '');
      });
      client.on('error', () => this.reconnectSoon());
      client.on('end', () => this.reconnectSoon());
      await client.connect();
      for (const ch of this.subs.keys()) await client.query(`LISTEN ${quoteIdent(ch)}`);
      this.client = client;
      this.connecting = null;
      return client;
    })().catch((e: unknown) => {
      this.connecting = null;
      throw e;
    });
    return this.connecting;
  }

  private reconnectSoon(): void {
    if (this.closed || !this.client) return;
    this.client = null;
    setTimeout(() => {
      if (!this.closed && this.subs.size) this.connect().catch(() => this.reconnectSoonAfterFailure());
    }, 250).unref();
  }

  private reconnectSoonAfterFailure(): void {
    setTimeout(() => {
      if (!this.closed && this.subs.size) this.connect().catch(() => this.reconnectSoonAfterFailure());
    }, 1000).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}

function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

async function openEmbedded(opts: OpenDatabaseOptions): Promise<Db> {
  const inMemory = !opts.dataDir || opts.dataDir === 'memory://';
  let releaseLock = () => {};
  let pgDir: string | undefined;
  if (!inMemory) {
    mkdirSync(opts.dataDir!, { recursive: true });
    pgDir = join(opts.dataDir!, 'pglite');
    releaseLock = lockDataDir(opts.dataDir!);
  }
  let session: EmbeddedSession;
  try {
    session = await openEmbeddedSession({
      dataDir: pgDir ?? 'memory://',
      ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    });
  } catch (e) {
    releaseLock();
    throw e;
  }
  const durability = inMemory ? undefined : opts.durability;
  try {
    await durability?.afterOpen(session);
  } catch (e) {
    await session.close();
    releaseLock();
    throw e;
  }
  const afterCommit = durability ? () => durability.afterCommit() : opts.afterCommit;
  const kysely = new Kysely<Database>({
    dialect: new PGliteDialect({ session, ...(afterCommit ? { afterCommit } : {}) }),
  });
  return {
    kind: 'pglite',
    kysely,
    embedded: session,
    listen: (channel, cb) => session.listen(channel, cb),
    close: async () => {
      await kysely.destroy();
      await session.close();
      try {
        await durability?.afterClose();
      } finally {
        releaseLock();
      }
    },
  };
}

/**
 * PGlite is single-process: two processes opening one data directory would corrupt it. A lock file holding the
 * owner's pid refuses a second opener; a stale lock (its pid is gone) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'switchboard.lock');
  // A lock file with our own pid is stale (pid reuse, e.g. pid 1 in containers) unless this process holds it.
  if (heldLocks.has(path)) {
    throw new AppError(
      'DATABASE_IN_USE',
      409,
      `The embedded database in ${dataDir} is already open in this process.`,
    );
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldLocks.add(path);
      return () => {
        heldLocks.delete(path);
        rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(existsSync(path) ? readFileSync(path, 'utf8').trim() : NaN);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new AppError(
          'DATABASE_IN_USE',
          409,
          `The embedded database in ${dataDir} is in use by process ${pid}. ` +
            'Stop that process, or use PostgreSQL (DATABASE_URL) to run several processes.',
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not lock ${path}`);
}

const heldLocks = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
