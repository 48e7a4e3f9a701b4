/**
 * Entry point of the embedded-database worker thread (ADR 0012): opens PGlite here and serves the session
 * protocol (embedded-worker-protocol.ts) to the main thread. The main thread's driver decides who may use the
 * session when; this side only executes, in arrival order under PGlite's own query lock.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openInlineSession, type InlineSession } from './embedded-session.js';
import {
  encodeError,
  type WorkerInit,
  type WorkerMessage,
  type WorkerRequest,
} from './embedded-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('embedded-worker.ts runs as a worker thread (see embedded-worker-client.ts)');
const init = workerData as WorkerInit;
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let session: InlineSession;
try {
  session = await openInlineSession({
    dataDir: init.dataDir,
    ...(init.loadDataDir ? { loadDataDir: new Blob([init.loadDataDir]) } : {}),
  });
} catch (e) {
  post({ kind: 'failed', error: encodeError(e) });
  port.close();
  throw e;
}

const unlisten = new Map<string, () => Promise<void>>();

async function run(req: WorkerRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  switch (req.op) {
    case 'query':
      return { result: await session.query(req.text, req.params, req.before ?? undefined) };
    case 'exec':
      return { result: await session.exec(req.text) };
    case 'listen':
      if (!unlisten.has(req.channel)) {
        const channel = req.channel;
        unlisten.set(
          channel,
          await session.listen(channel, (payload) => post({ kind: 'notify', channel, payload })),
        );
      }
      return { result: null };
    case 'unlisten':
      await unlisten.get(req.channel)?.();
      unlisten.delete(req.channel);
      return { result: null };
    case 'dump': {
      const bytes = await (await session.dumpDataDir(req.compression)).arrayBuffer();
      return { result: bytes, transfer: [bytes] };
    }
    case 'close':
      await session.close();
      return { result: null };
  }
}

port.on('message', (req: WorkerRequest) => {
  run(req).then(
    ({ result, transfer }) => post({ kind: 'reply', id: req.id, ok: true, result }, transfer),
    (e: unknown) => post({ kind: 'reply', id: req.id, ok: false, error: encodeError(e) }),
  );
});
post({ kind: 'ready', dataDir: session.dataDir });
