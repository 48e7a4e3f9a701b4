/**
 * Embedded durability (ADR 0003): making a PGlite commit survive power loss, not only a process crash.
 *
 * Why this exists: PGlite runs PostgreSQL in WASM over Emscripten's NODEFS. Its `fsync()`/`fdatasync()` syscalls are
 * no-ops in the WASM runtime (NODEFS has no `fsync` stream op), and PGlite starts postgres with `-F` (fsync=off)
 * anyway. A commit therefore reaches the OS page cache (a `write()` on the WAL segment) but never the disk: it
 * survives `kill -9` of our process, not a power cut or kernel panic.
 *
 * What this does: after every commit the dialect awaits `afterCommit()`; we `fdatasync` the WAL segment files written
 * since the previous sync (and the `pg_wal` directory when segments appeared or were renamed) on libuv's thread pool.
 * The event loop, and PGlite with it, keeps running other transactions meanwhile; commits that finish while a sync
 * is in flight are covered together by the next one (group commit), so throughput does not collapse to one fsync per
 * commit. A request's commit (foreground, ADR 0011) may start its own round beside one already in flight instead of
 * waiting behind it, so background commits never add a round to a request's latency.
 *
 * Invariants:
 * - A caller whose commit resolved had its WAL record written (page cache) before it called `afterCommit()`, and every
 *   file we sync is chosen *after* that call. So the sync that settles a request always covers its commit.
 * - Files are chosen by mtime >= the high-water mark seen at the previous sync (not >): kernel mtimes are coarse
 *   (one tick), so a write in the same tick as our previous stat is re-synced rather than missed.
 * - PostgreSQL's own data-file fsyncs at checkpoints are no-ops too. A checkpoint (visible as a new `global/pg_control`
 *   mtime) therefore triggers a full sync of the data directory. Standalone (single-user) postgres never checkpoints on
 *   its own while running; checkpoints happen at open (after crash recovery), at close and on explicit `CHECKPOINT`,
 *   which is why `afterOpen`/`afterClose` do a full sync too.
 */
import { readdirSync, statSync, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { AppError } from '../errors/index.js';
import { inBackground } from './priority.js';
import type { Db, EmbeddedDurability } from './database.js';
import type { EmbeddedSession } from './embedded-session.js';

export interface DurabilityHookOptions {
  /** The PGlite data directory (`<SWITCHBOARD_DATA_DIR>/pglite`). */
  pgDataDir: string;
  /** Files synced at once during a full sync; bounds the thread-pool queue. */
  fullSyncConcurrency?: number;
}

export interface DurabilityStats {
  /** Commits that asked for durability. */
  commits: number;
  /** Sync rounds (one round covers every commit that was waiting when it started). */
  syncRounds: number;
  /** fdatasync/fsync calls issued (files + directories). */
  fsyncCalls: number;
  /** Full data-directory syncs (open, close, after a checkpoint). */
  fullSyncs: number;
  lastError: string | null;
}

export interface DurabilityHook extends EmbeddedDurability {
  /** fsyncs every file and directory of the data directory changed since the previous full sync. */
  syncAll(): Promise<void>;
  stats(): DurabilityStats;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** The hook attached to each open embedded session, so `describeDurability(db)` can report it. */
const attached = new WeakMap<EmbeddedSession, DurabilityHook>();

export class EmbeddedSyncError extends AppError {
  constructor(cause: unknown) {
    super(
      'EMBEDDED_SYNC_FAILED',
      503,
      'The transaction committed but could not be flushed to disk (fsync failed); it may not survive a power loss. ' +
        'Check the disk holding the data directory.',
      { cause: cause instanceof Error ? cause.message : String(cause) },
    );
    this.name = 'EmbeddedSyncError';
  }
}

/**
 * Creates the group-commit fsync hook for a file-backed PGlite data directory. Pass it to
 * `openDatabase({ dataDir, durability })`; `openDatabase` calls `afterOpen`, `afterCommit` and `afterClose`.
 */
export function createDurabilityHook(opts: DurabilityHookOptions): DurabilityHook {
  const walDir = join(opts.pgDataDir, 'pg_wal');
  const controlFile = join(opts.pgDataDir, 'global', 'pg_control');
  const concurrency = opts.fullSyncConcurrency ?? 16;
  const stats: DurabilityStats = { commits: 0, syncRounds: 0, fsyncCalls: 0, fullSyncs: 0, lastError: null };

  let walMark = 0n;
  let walNames = '';
  let controlMtime = 0n;
  let fullMark = 0n;
  let requested = 0;
  /** Rounds in flight: one normally; a foreground commit may start a second beside it (see `kick`). */
  const running = new Set<Promise<void>>();
  let fullSync: Promise<void> | null = null;
  let waiters: Waiter[] = [];

  async function fsyncPath(path: string, dataOnly: boolean): Promise<void> {
    const handle = await open(path, 'r');
    try {
      await (dataOnly ? handle.datasync() : handle.sync());
      stats.fsyncCalls++;
    } finally {
      await handle.close();
    }
  }

  /**
   * Open handles of the WAL segments, kept between rounds: a round then costs one thread-pool trip per changed
   * segment (fdatasync) instead of three (open, fdatasync, close), each of which also waited for the event loop.
   */
  const walHandles = new Map<string, Promise<FileHandle>>();

  async function syncWalSegment(name: string): Promise<void> {
    let handle = walHandles.get(name);
    if (!handle) {
      handle = open(join(walDir, name), 'r');
      walHandles.set(name, handle);
      // A segment that vanished before we opened it must not poison the map.
      handle.catch(() => walHandles.delete(name));
    }
    await (await handle).datasync();
    stats.fsyncCalls++;
  }

  async function closeWalHandles(keep: ReadonlySet<string>): Promise<void> {
    for (const [name, handle] of walHandles) {
      if (keep.has(name)) continue;
      walHandles.delete(name);
      await handle.then((h) => h.close()).catch(() => {});
    }
  }

  async function syncWal(): Promise<void> {
    const names = readdirSync(walDir).sort();
    const changed: string[] = [];
    let mark = walMark;
    for (const name of names) {
      const st = statBig(join(walDir, name));
      if (!st?.isFile()) continue;
      if (st.mtimeNs >= walMark) changed.push(name);
      if (st.mtimeNs > mark) mark = st.mtimeNs;
    }
    const joined = names.join('/');
    const dirChanged = joined !== walNames;
    // The control file changes only at checkpoints; its data pages were never synced by postgres (fsync is a no-op).
    const control = statBig(controlFile)?.mtimeNs ?? 0n;
    const checkpointed = control !== controlMtime;
    // A segment renamed or removed meanwhile was recycled by a checkpoint: its contents are no longer needed.
    await Promise.all(changed.map((name) => syncWalSegment(name).catch(ignoreVanished)));
    if (dirChanged) {
      await closeWalHandles(new Set(names));
      await fsyncPath(walDir, false);
    }
    // Rounds may overlap: the mark only moves forward, and only once this round's files are synced.
    if (mark > walMark) walMark = mark;
    walNames = joined;
    if (checkpointed) await (fullSync ??= syncAll().finally(() => (fullSync = null)));
  }

  async function syncAll(): Promise<void> {
    const started = fullMark;
    const files: string[] = [];
    const dirs: string[] = [];
    let mark = started;
    const walk = (dir: string): void => {
      dirs.push(dir);
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isFile()) {
          const st = statBig(path);
          if (!st) continue; // removed while walking (e.g. a recycled WAL segment)
          if (st.mtimeNs >= started) files.push(path);
          if (st.mtimeNs > mark) mark = st.mtimeNs;
        }
      }
    };
    walk(opts.pgDataDir);
    for (let i = 0; i < files.length; i += concurrency) {
      await Promise.all(files.slice(i, i + concurrency).map((f) => fsyncPath(f, true).catch(ignoreVanished)));
    }
    // Directories last: new and renamed entries become durable only once their directory is synced.
    for (let i = 0; i < dirs.length; i += concurrency) {
      await Promise.all(dirs.slice(i, i + concurrency).map((d) => fsyncPath(d, false).catch(ignoreVanished)));
    }
    fullMark = mark;
    controlMtime = statBig(controlFile)?.mtimeNs ?? 0n;
    walNames = readdirSync(walDir).sort().join('/');
    if (mark > walMark) walMark = mark;
    stats.fullSyncs++;
  }

  /**
   * Starts a round when none is in flight. A foreground commit (an HTTP request, not queue or consumer work — see
   * priority.ts) does not wait for a round that started before it: it may start a second one beside it. That is
   * safe because each round picks its files after its waiters' commits and the mark only moves forward.
   */
  function kick(urgent = false): void {
    if (waiters.length === 0) return;
    if (running.size > 0 && !(urgent && running.size < 2)) return;
    const round: Promise<void> = runRound().finally(() => {
      running.delete(round);
      kick();
    });
    running.add(round);
  }

  const settleRunning = () => Promise.all([...running].map((r) => r.catch(() => {})));

  async function runRound(): Promise<void> {
    // Every request up to `target` was made after its commit's WAL write; the files are chosen below, after that.
    const target = requested;
    const settled = waiters.filter((w) => w.seq <= target);
    waiters = waiters.filter((w) => w.seq > target);
    stats.syncRounds++;
    try {
      await syncWal();
      for (const w of settled) w.resolve();
    } catch (e) {
      stats.lastError = e instanceof Error ? e.message : String(e);
      const err = new EmbeddedSyncError(e);
      for (const w of settled) w.reject(err);
    }
  }

  const hook: DurabilityHook = {
    async afterOpen(session) {
      attached.set(session, hook);
      await syncAll();
    },
    afterCommit() {
      stats.commits++;
      const seq = ++requested;
      return new Promise<void>((resolve, reject) => {
        waiters.push({ seq, resolve, reject });
        kick(!inBackground());
      });
    },
    async afterClose() {
      await settleRunning();
      await closeWalHandles(new Set());
      await syncAll();
    },
    syncAll: async () => {
      await settleRunning();
      await syncAll();
    },
    stats: () => ({ ...stats }),
  };
  return hook;
}

function statBig(path: string): BigIntStats | undefined {
  return statSync(path, { bigint: true, throwIfNoEntry: false });
}

function ignoreVanished(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
}

export interface DurabilityDescription {
  mode: 'postgres' | 'embedded' | 'embedded-memory';
  /** True when a commit reaches stable storage before it is acknowledged. */
  fsync: boolean;
  note: string;
}

/** What a commit survives on this database; shown in `/ready` details and `switchboard doctor`. */
export async function describeDurability(db: Db): Promise<DurabilityDescription> {
  if (db.kind === 'postgres') {
    const r = await sql<{ fsync: string; sc: string }>`SELECT current_setting('fsync') AS fsync,
      current_setting('synchronous_commit') AS sc`.execute(db.kysely);
    const row = r.rows[0];
    const fsync = row?.fsync === 'on' && row.sc !== 'off';
    return {
      mode: 'postgres',
      fsync,
      note: fsync
        ? 'PostgreSQL server: commits are flushed to disk by the server (fsync=on).'
        : `PostgreSQL server with fsync=${row?.fsync ?? '?'}, synchronous_commit=${row?.sc ?? '?'}: recent commits can be lost on a crash of the server.`,
    };
  }
  const session = db.embedded;
  if (!session || session.dataDir.startsWith('memory://')) {
    return {
      mode: 'embedded-memory',
      fsync: false,
      note: 'In-memory embedded database: nothing survives the process.',
    };
  }
  const hook = attached.get(session);
  if (!hook) {
    return {
      mode: 'embedded',
      fsync: false,
      note:
        'Embedded PGlite without fsync (SWITCHBOARD_EMBEDDED_SYNC=false): crash-safe (a killed process loses no ' +
        'committed data) but not power-loss-safe. Use PostgreSQL for production; schedule `switchboard backup`.',
    };
  }
  const s = hook.stats();
  return {
    mode: 'embedded',
    fsync: s.lastError === null,
    note:
      s.lastError === null
        ? 'Embedded PGlite with group-commit fsync of the WAL: commits survive a process crash and a power loss ' +
          '(except during a checkpoint at open/close, see ADR 0003). PostgreSQL is recommended for production.'
        : `Embedded PGlite: the last fsync failed (${s.lastError}); recent commits may not survive a power loss.`,
  };
}
