/**
 * The app's one Server-Sent Events connection (`/api/v1/events/stream`). It is read with fetch rather than
 * EventSource so it can send the workspace header; on a drop it reconnects with `Last-Event-ID` (the last `seq` seen),
 * which the server resumes from without a gap. Each event invalidates the queries its type can change, coalesced
 * over a few milliseconds so a burst refetches once.
 */
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { baseHeaders } from './api-client.js';
import { keys } from './query-keys.js';

export interface StreamEvent {
  id: string;
  seq: number;
  type: string;
  subject: string;
  payload: unknown;
  occurredAt: string;
}

/** Event type prefix → the query families it can change. */
const INVALIDATIONS: ReadonlyArray<readonly [prefix: string, targets: (e: StreamEvent) => QueryKey[]]> = [
  ['content.', () => [keys.contentAll, keys.reviewRequests, keys.notifications]],
  ['comment.', () => [keys.contentAll, keys.notifications]],
  ['review.', () => [keys.contentAll, keys.reviewRequests, keys.notifications]],
  ['notification.', () => [keys.notifications]],
  ['workflow.', () => [keys.workflows]],
  ['product.', () => [['catalog'], keys.contentAll]],
  ['bundle.', () => [['catalog']]],
  ['catalog.', () => [['catalog']]],
  ['auth.', () => [keys.users, keys.tokens, keys.workspaces]],
  ['token.', () => [keys.tokens]],
  ['user.', () => [keys.users]],
  ['connection.', () => [keys.connections]],
  // An attempt also changes its connection's health (last success or error, breaker, budget).
  ['delivery.', () => [keys.deliveries, keys.contentAll, keys.connections]],
  ['webhook.', () => [keys.webhooks]],
];

export function queriesFor(event: StreamEvent): QueryKey[] {
  const out: QueryKey[] = [['audit'], ['events']];
  for (const [prefix, targets] of INVALIDATIONS)
    if (event.type.startsWith(prefix)) out.push(...targets(event));
  return out;
}

export interface EventStreamHandle {
  close(): void;
}

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export function openEventStream(
  client: QueryClient,
  opts: { onStatus?: (s: StreamStatus) => void; onEvent?: (e: StreamEvent) => void } = {},
): EventStreamHandle {
  let lastSeq: number | null = null;
  let closed = false;
  let controller: AbortController | null = null;
  let retryMs = 500;
  const pending = new Map<string, QueryKey>();
  let flushTimer: ReturnType<typeof setTimeout> | null = null;

  const flush = () => {
    flushTimer = null;
    const batch = [...pending.values()];
    pending.clear();
    for (const queryKey of batch) void client.invalidateQueries({ queryKey });
  };
  const schedule = (event: StreamEvent) => {
    for (const key of queriesFor(event)) pending.set(JSON.stringify(key), key);
    flushTimer ??= setTimeout(flush, 25);
  };

  const handleFrame = (frame: string) => {
    let id: string | null = null;
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (id !== null && /^\d+$/.test(id)) lastSeq = Number(id);
    if (!data.length) return;
    try {
      const event = JSON.parse(data.join('\n')) as StreamEvent;
      schedule(event);
      opts.onEvent?.(event);
    } catch {
      // a malformed frame is skipped; the next one still counts
    }
  };

  const connect = async () => {
    while (!closed) {
      controller = new AbortController();
      opts.onStatus?.(lastSeq === null ? 'connecting' : 'reconnecting');
      try {
        const headers: Record<string, string> = { ...baseHeaders(), accept: 'text/event-stream' };
        if (lastSeq !== null) headers['last-event-id'] = String(lastSeq);
        const res = await fetch('/api/v1/events/stream', {
          headers,
          credentials: 'same-origin',
          signal: controller.signal,
        });
        if (res.status === 401 || res.status === 403) return; // signed out: the session screen takes over
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        opts.onStatus?.('live');
        retryMs = 500;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            handleFrame(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        if (closed) return;
      }
      if (closed) return;
      opts.onStatus?.('reconnecting');
      await new Promise((r) => setTimeout(r, retryMs));
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  };
  void connect();

  return {
    close() {
      closed = true;
      controller?.abort();
      if (flushTimer) clearTimeout(flushTimer);
    },
  };
}
