/**
 * A Kysely dialect over the embedded database's one session (embedded-session.ts).
 *
 * Why our own (ADR 0001): PGlite has a single connection, so the driver must hand it to one Kysely "connection"
 * at a time (a mutex: foreground work first, background work when none waits or when starved — ADR 0011),
 * parameter-less statements must run as scripts (`exec`) so migrations can hold several statements, and committing
 * is the hook where embedded durability is enforced (`afterCommit`). A transaction's BEGIN is sent with its first
 * statement, so a transaction that runs none (a use case that found nothing to do) costs no session time.
 */
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { PGlite } from '@electric-sql/pglite';
import { PGliteSession, type EmbeddedSession } from './embedded-session.js';
import { inBackground } from './priority.js';

export interface PGliteDialectOptions {
  session: EmbeddedSession;
  /** Called after every successful COMMIT on this database (and after autocommit writes), before the caller resumes. */
  afterCommit?: () => Promise<void>;
  /**
   * While foreground leases wait, a waiting background lease is still served once this long after the previous
   * background grant (priority.ts); default 10 ms.
   */
  backgroundStarvationMs?: number;
}

/**
 * One Kysely "connection": a lease on the single PGlite session. The session is handed out FIFO (a mutex), one lease
 * at a time. A lease may give the session back early — after a COMMIT, while its durability fsync runs — so other
 * transactions proceed and their commits share the next fsync (group commit, ADR 0003); if the lease is used again it
 * waits for its turn, so nothing interleaves inside another lease's transaction.
 */
class PGliteLease implements DatabaseConnection {
  held = true;
  /** Acquired from background work (priority.ts): waits behind foreground leases. */
  readonly background = inBackground();
  inTransaction = false;
  /** Set between a successful COMMIT and the end of its durability wait; a rollback then must not run. */
  committed = false;
  /** The BEGIN of a transaction that has not run a statement yet; it is sent with the first one. */
  pendingBegin: string | null = null;

  constructor(
    private readonly driver: PGliteDriver,
    private readonly session: EmbeddedSession,
  ) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.held) await this.driver.reacquire(this);
    const result = await this.run<R>(q);
    // An autocommit write is a commit of its own. Reads skip the hook; the session stays with this lease because
    // `connection().execute(...)` blocks may rely on running several statements in a row.
    if (!this.inTransaction && !isRead(q.sql)) await this.driver.afterCommit?.();
    return result;
  }

  private async run<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (this.pendingBegin !== null) {
      const begin = this.pendingBegin;
      this.pendingBegin = null;
      await this.session.query(begin, []);
    }
    const result =
      q.parameters.length === 0 && isScript(q.sql)
        ? await this.session.exec<R>(q.sql)
        : await this.session.query<R>(q.sql, q.parameters);
    return { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) };
  }

  async runControl(text: string): Promise<void> {
    if (!this.held) await this.driver.reacquire(this);
    await this.run(CompiledQuery.raw(text));
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on the embedded database');
  }
}

/** A statement list (more than one `;`-terminated statement) must go through the simple protocol. */
function isScript(text: string): boolean {
  const trimmed = text.trim().replace(/;\s*$/, '');
  return trimmed.includes(';');
}

/** Plain reads need no durability wait. (A SELECT calling a writing function is not detected; use a transaction.) */
function isRead(text: string): boolean {
  return /^\s*(select|show)\b/i.test(text);
}

class PGliteDriver implements Driver {
  private busy = false;
  private readonly foreground: (() => void)[] = [];
  private readonly background: (() => void)[] = [];
  private lastBackgroundGrantMs = 0;
  private readonly starvationMs: number;
  readonly afterCommit: (() => Promise<void>) | undefined;

  constructor(private readonly opts: PGliteDialectOptions) {
    this.afterCommit = opts.afterCommit;
    this.starvationMs = opts.backgroundStarvationMs ?? 10;
  }

  async init(): Promise<void> {}

  private async lock(background: boolean): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      if (background) this.lastBackgroundGrantMs = performance.now();
      return;
    }
    await new Promise<void>((resolve) => (background ? this.background : this.foreground).push(resolve));
  }

  /** Hands the session to the next waiter: foreground first, background when none waits or when starved. */
  private unlock(): void {
    const now = performance.now();
    const pickBackground =
      this.background.length > 0 &&
      (this.foreground.length === 0 || now - this.lastBackgroundGrantMs >= this.starvationMs);
    const next = pickBackground ? this.background.shift() : this.foreground.shift();
    if (!next) {
      this.busy = false;
      return;
    }
    if (pickBackground) this.lastBackgroundGrantMs = now;
    next();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const lease = new PGliteLease(this, this.opts.session);
    await this.lock(lease.background);
    return lease;
  }

  async reacquire(lease: PGliteLease): Promise<void> {
    await this.lock(lease.background);
    lease.held = true;
  }

  private giveBack(lease: PGliteLease): void {
    if (!lease.held) return;
    lease.held = false;
    this.unlock();
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    this.giveBack(conn as PGliteLease);
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const lease = conn as PGliteLease;
    const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    lease.pendingBegin = `begin${level}`;
    lease.inTransaction = true;
    lease.committed = false;
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    const lease = conn as PGliteLease;
    if (lease.pendingBegin !== null) {
      // No statement ran: there is nothing to commit.
      lease.pendingBegin = null;
      lease.inTransaction = false;
      return;
    }
    await lease.runControl('commit');
    lease.inTransaction = false;
    if (!this.afterCommit) return;
    lease.committed = true;
    // The session is idle now: let the next transaction run while this commit is being flushed.
    this.giveBack(lease);
    try {
      await this.afterCommit();
    } finally {
      lease.committed = false;
    }
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    const lease = conn as PGliteLease;
    // Kysely rolls back when commitTransaction throws; if the COMMIT itself succeeded (only the fsync failed) there
    // is nothing to roll back, and the session may already belong to another transaction.
    if (lease.committed) return;
    lease.inTransaction = false;
    if (lease.pendingBegin !== null) {
      lease.pendingBegin = null;
      return;
    }
    await lease.runControl('rollback');
  }

  async destroy(): Promise<void> {
    // The owner (openDatabase) closes the PGlite instance.
  }
}

export class PGliteDialect implements Dialect {
  private readonly opts: PGliteDialectOptions;

  /** Takes the session options, or a PGlite instance to use inline (tests, tools). */
  constructor(opts: PGliteDialectOptions | (Omit<PGliteDialectOptions, 'session'> & { pglite: PGlite })) {
    this.opts = 'session' in opts ? opts : { ...opts, session: new PGliteSession(opts.pglite) };
  }
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.opts);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's introspector is schema-agnostic
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
