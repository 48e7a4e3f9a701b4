/**
 * Messages between the main thread and the embedded-database worker thread (ADR 0012). Values cross the thread
 * boundary by structured clone, so rows keep their Dates, Uint8Arrays and parsed JSON; errors are flattened to
 * their message and own properties (PostgreSQL's `code`, `constraint`, `detail`, …) and rebuilt on the other side.
 */

export interface WorkerInit {
  dataDir: string;
  /** The template tarball to start from, transferred (not copied) to the worker. */
  loadDataDir: ArrayBuffer | null;
}

export type WorkerRequest =
  | { id: number; op: 'query'; text: string; params: readonly unknown[]; before: string | null }
  | { id: number; op: 'exec'; text: string }
  | { id: number; op: 'listen' | 'unlisten'; channel: string }
  | { id: number; op: 'dump'; compression: 'gzip' | 'none' }
  | { id: number; op: 'close' };

export interface EncodedError {
  message: string;
  name: string;
  props: Record<string, string | number | boolean | null>;
}

export type WorkerMessage =
  | { kind: 'ready'; dataDir: string }
  | { kind: 'failed'; error: EncodedError }
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: EncodedError }
  | { kind: 'notify'; channel: string; payload: string };

export function encodeError(e: unknown): EncodedError {
  if (!(e instanceof Error)) return { message: String(e), name: 'Error', props: {} };
  const props: EncodedError['props'] = {};
  for (const [k, v] of Object.entries(e)) {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) props[k] = v as string;
  }
  return { message: e.message, name: e.name, props };
}

/** Rebuilds a worker-side error on the caller's side; the stack is the caller's, which is where it is useful. */
export function decodeError(encoded: EncodedError): Error {
  const err = new Error(encoded.message);
  Object.assign(err, encoded.props);
  err.name = encoded.name;
  return err;
}
