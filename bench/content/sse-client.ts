/** A minimal Server-Sent Events reader over fetch: calls `onEvent` with each frame's parsed `data` JSON. */
export interface SseClient {
  /** Resolves once the server sent its `: connected` comment (the subscription is live). */
  ready: Promise<void>;
  close(): void;
}

export function openSse(
  url: string,
  token: string,
  onEvent: (event: { type: string; payload: unknown }) => void,
): SseClient {
  const abort = new AbortController();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  void (async () => {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`SSE ${url}: ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (frame.includes(': connected')) markReady();
        const data = frame
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (data) onEvent(JSON.parse(data) as { type: string; payload: unknown });
      }
    }
  })().catch((e: unknown) => {
    if (!abort.signal.aborted) console.error('SSE client failed:', e);
  });
  return { ready, close: () => abort.abort() };
}
