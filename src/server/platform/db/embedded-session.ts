/**
 * The embedded database's one PostgreSQL session: PGlite on this thread, with statements run as cached prepared
 * statements (pglite-prepared.ts) and scripts (several statements, migrations) through the simple protocol.
 *
 * The session is single-user: the Kysely driver (pglite-dialect.ts) hands it to one lease at a time, so calls on it
 * never interleave inside a transaction. Code outside platform/db sees only this interface (`Db.embedded`), not
 * PGlite: backup dumps through it, the durability report reads its data directory. ADR 0012 records why it stays on
 * the main thread (a worker thread was built and measured slower).
 */
import { PGlite } from '@electric-sql/pglite';
import { preparedStatementsFor, type PreparedStatements } from './pglite-prepared.js';

export interface StatementResult<R = unknown> {
  rows: R[];
  affectedRows: number;
}

export interface EmbeddedSession {
  /** `memory://` or the PGlite data directory. */
  readonly dataDir: string;
  readonly closed: boolean;
  /** One parameterised statement. */
  query<R>(text: string, params: readonly unknown[]): Promise<StatementResult<R>>;
  /** Several `;`-separated statements (simple protocol); returns the last statement's result. */
  exec<R>(script: string): Promise<StatementResult<R>>;
  /** NOTIFY subscription; resolves to an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** A tarball of the data directory, taken under the session's query lock. */
  dumpDataDir(compression: 'gzip' | 'none'): Promise<Blob>;
  close(): Promise<void>;
}

export interface EmbeddedSessionOptions {
  /** `memory://` (default) or a directory for the data files. */
  dataDir?: string;
  /** Start from a dumped data directory (tarball), e.g. a migrated test template. */
  loadDataDir?: Blob;
}

/**
 * PostgreSQL settings added to PGlite's own start parameters.
 *
 * `wal_init_zero=off` (ADR 0013): a new 16 MB WAL segment is created by writing its last byte instead of 16 MB of
 * zeros. PGlite writes files synchronously on this thread (Emscripten NODEFS), so zero-filling a segment blocked the
 * event loop for 50–100 ms every 16 MB of WAL. Safe: PostgreSQL reads an unwritten (sparse, zero) region as the end
 * of WAL exactly as it reads a zero-filled one, and our fdatasync (durability.ts) also flushes the block allocation
 * a write into a sparse region makes.
 */
export const EMBEDDED_START_SETTINGS = ['wal_init_zero=off'] as const;

/** PGlite options we always use: int8 (bigint) columns are read as JS numbers, as on the `pg` driver. */
export function pgliteCreateOptions(opts: EmbeddedSessionOptions) {
  return {
    ...(opts.dataDir && opts.dataDir !== 'memory://' ? { dataDir: opts.dataDir } : {}),
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    parsers: { 20: (v: string) => Number(v) },
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_START_SETTINGS.flatMap((s) => ['-c', s])],
  };
}

export class PGliteSession implements EmbeddedSession {
  private readonly prepared: PreparedStatements;

  constructor(readonly pglite: PGlite) {
    this.prepared = preparedStatementsFor(pglite);
  }

  get dataDir(): string {
    return this.pglite.dataDir ?? 'memory://';
  }

  get closed(): boolean {
    return this.pglite.closed;
  }

  async query<R>(text: string, params: readonly unknown[]): Promise<StatementResult<R>> {
    const r = await this.prepared.query<R>(text, params);
    return { rows: r.rows, affectedRows: r.affectedRows ?? 0 };
  }

  async exec<R>(script: string): Promise<StatementResult<R>> {
    const results = await this.pglite.exec(script);
    // A script may have changed the schema (migrations): statements prepared before it are not reused.
    await this.prepared.reset();
    const last = results[results.length - 1];
    return { rows: (last?.rows ?? []) as R[], affectedRows: last?.affectedRows ?? 0 };
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const unsub = await this.pglite.listen(channel, onPayload);
    return async () => {
      if (!this.pglite.closed) await unsub();
    };
  }

  dumpDataDir(compression: 'gzip' | 'none'): Promise<Blob> {
    return this.pglite.dumpDataDir(compression);
  }

  async close(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}

export async function openEmbeddedSession(opts: EmbeddedSessionOptions): Promise<PGliteSession> {
  return new PGliteSession(await PGlite.create(pgliteCreateOptions(opts)));
}
