/**
 * Writing a Server-Sent Events stream on a raw Node response (the route hijacks the reply, so Fastify never tries
 * to serialize it). One frame per event: `id: <seq>`, `event: <type>`, `data: <json>`.
 */
import type { ServerResponse } from 'node:http';
import type { DomainEvent } from './events.repo.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // A stream owns its connection until it ends; then close it, so a server shutting down is not left waiting for
  // the keep-alive timeout of sockets whose stream it just ended.
  connection: 'close',
  // Reverse proxies (nginx) must not buffer the stream.
  'x-accel-buffering': 'no',
} as const;

/** The JSON shape of an event on the wire (REST and SSE alike). */
export function serializeEvent(e: DomainEvent) {
  return {
    id: e.id,
    seq: e.seq,
    type: e.type,
    subject: e.subject,
    payload: e.payload,
    actor: e.actor,
    occurredAt: e.occurredAt.toISOString(),
  };
}

/** JSON.stringify never emits a raw newline, so `data:` is always a single line. */
export function formatSseEvent(e: DomainEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(serializeEvent(e))}\n\n`;
}

/** Writes `chunk`; when the socket buffer is full, waits for it to drain (or for the stream to end). */
export async function writeWithBackpressure(
  res: ServerResponse,
  chunk: string,
  signal: AbortSignal,
): Promise<void> {
  if (res.destroyed || signal.aborted) return;
  if (res.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    signal.addEventListener('abort', done);
  });
}
