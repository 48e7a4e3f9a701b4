/**
 * The embedded session on a worker thread (ADR 0012). PGlite executes SQL on the worker, so on a machine with two
 * cores requests and the database no longer take turns on one thread; a statement costs one message each way.
 *
 * Lifecycle:
 * - The worker is referenced only while a call is in flight, so an idle session never keeps the process alive (as
 *   the inline session does not), and a pending call always does.
 * - If the worker dies (a WASM abort, an out-of-memory), every pending and later call fails with
 *   `EMBEDDED_DATABASE_UNAVAILABLE` (503) and `onCrash` is called, so the server can stop instead of limping on.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors/index.js';
import type { EmbeddedSession, EmbeddedSessionOptions, StatementResult } from './embedded-session.js';
import {
  decodeError,
  type WorkerInit,
  type WorkerMessage,
  type WorkerRequest,
} from './embedded-worker-protocol.js';

/** Distributes each request type without its id (TypeScript's Omit does not distribute over a union). */
type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export interface WorkerSessionOptions extends EmbeddedSessionOptions {
  /** Called once if the worker thread dies unexpectedly. */
  onCrash?: (error: Error) => void;
}

export class EmbeddedDatabaseUnavailableError extends AppError {
  constructor(reason: string) {
    super(
      'EMBEDDED_DATABASE_UNAVAILABLE',
      503,
      `The embedded database is not available (${reason}). Restart Switchboard; committed data is safe on disk.`,
    );
    this.name = 'EmbeddedDatabaseUnavailableError';
  }
}

class WorkerSession implements EmbeddedSession {
  readonly home = 'worker' as const;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly subscribers = new Map<string, Set<(payload: string) => void>>();
  private dead: Error | null = null;
  private closing = false;

  constructor(
    private readonly worker: Worker,
    readonly dataDir: string,
    onCrash: ((error: Error) => void) | undefined,
  ) {
    worker.unref();
    worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    const die = (error: Error) => {
      if (this.dead) return;
      this.dead = error;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      if (!this.closing) onCrash?.(error);
    };
    worker.on('error', (e) => die(new EmbeddedDatabaseUnavailableError(`its thread failed: ${e.message}`)));
    worker.on('exit', (code) =>
      die(new EmbeddedDatabaseUnavailableError(`its thread exited with code ${code}`)),
    );
  }

  get closed(): boolean {
    return this.closing || this.dead !== null;
  }

  private onMessage(m: WorkerMessage): void {
    if (m.kind === 'notify') {
      for (const cb of this.subscribers.get(m.channel) ?? []) cb(m.payload);
      return;
    }
    if (m.kind !== 'reply') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.ok) p.resolve(m.result);
    else p.reject(decodeError(m.error));
  }

  private call<T>(body: RequestBody): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      try {
        this.worker.postMessage({ ...body, id });
      } catch (e) {
        // A parameter that cannot be cloned (a function, a class instance with private state).
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  }

  query<R>(text: string, params: readonly unknown[], before?: string): Promise<StatementResult<R>> {
    return this.call({ op: 'query', text, params, before: before ?? null });
  }

  exec<R>(script: string): Promise<StatementResult<R>> {
    return this.call({ op: 'exec', text: script });
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.subscribers.get(channel);
    if (!set) this.subscribers.set(channel, (set = new Set()));
    set.add(onPayload);
    if (set.size === 1) await this.call({ op: 'listen', channel });
    return async () => {
      set.delete(onPayload);
      if (set.size > 0 || this.closed) return;
      this.subscribers.delete(channel);
      await this.call({ op: 'unlisten', channel });
    };
  }

  async dumpDataDir(compression: 'gzip' | 'none'): Promise<Blob> {
    return new Blob([await this.call<ArrayBuffer>({ op: 'dump', compression })]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.call({ op: 'close' });
    } finally {
      this.closing = true;
      await this.worker.terminate();
    }
  }
}

/** The worker's entry: compiled JavaScript next to this file, or the TypeScript source loaded through tsx. */
function spawnWorker(init: WorkerInit, transfer: ArrayBuffer[]): Worker {
  const options = { workerData: init, transferList: transfer, execArgv: [] as string[] };
  if (import.meta.url.endsWith('.js'))
    return new Worker(new URL('./embedded-worker.js', import.meta.url), options);
  // Running from source (tests, `tsx`): a worker does not inherit tsx's loader hooks, so it registers them itself.
  const tsxApi = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const entry = new URL('./embedded-worker.ts', import.meta.url).href;
  const bootstrap =
    `import(${JSON.stringify(pathToFileURL(tsxApi).href)})` +
    `.then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}

export async function openWorkerSession(opts: WorkerSessionOptions): Promise<EmbeddedSession> {
  const loadDataDir = opts.loadDataDir ? await opts.loadDataDir.arrayBuffer() : null;
  const worker = spawnWorker(
    { dataDir: opts.dataDir ?? 'memory://', loadDataDir },
    loadDataDir ? [loadDataDir] : [],
  );
  const dataDir = await new Promise<string>((resolve, reject) => {
    const fail = (e: Error) => {
      worker.off('message', onMessage);
      reject(e);
    };
    const onMessage = (m: WorkerMessage) => {
      if (m.kind === 'ready') {
        worker.off('message', onMessage);
        worker.off('error', fail);
        resolve(m.dataDir);
      } else if (m.kind === 'failed') fail(decodeError(m.error));
    };
    worker.on('message', onMessage);
    worker.once('error', fail);
  });
  return new WorkerSession(worker, dataDir, opts.onCrash);
}
