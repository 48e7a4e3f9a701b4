/**
 * Webhooks test fixture: a real HTTP receiver on 127.0.0.1 whose answers the test scripts, helpers that run
 * the event consumers and due jobs of a test app, and a sender of signed Standard Webhooks requests.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { TestApp } from '../support/test-app.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Receiver {
  port: number;
  url(path?: string): string;
  received: Received[];
  /** Answers per path, consumed in order; when empty, `fallback`. */
  script(path: string, ...replies: Reply[]): void;
  fallback: Reply;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const queues = new Map<string, Reply[]>();
  const received: Received[] = [];
  const r: Partial<Receiver> = { received, fallback: { status: 200, body: 'ok' } };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = queues.get(path)?.shift() ?? r.fallback!;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return Object.assign(r, {
    port,
    url: (path = '/in') => `http://127.0.0.1:${port}${path}`,
    script: (path: string, ...replies: Reply[]) =>
      queues.set(path, [...(queues.get(path) ?? []), ...replies]),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as Receiver;
}

/**
 * Runs the event consumers to the head, then every job that is due now (repeatedly, as jobs enqueue jobs).
 * Jobs enqueued without a run time are due at the database's `now()`: a test clock behind the real time is first
 * moved just past it (a clock already ahead, after `advance`, is left alone).
 */
export async function settle(t: TestApp): Promise<number> {
  if (t.clock.nowMs() < Date.now() + 500) t.clock.set(Date.now() + 1_000);
  let ran = 0;
  for (let round = 0; round < 20; round++) {
    await t.sb.events.runner.drain();
    const n = await t.sb.worker!.runOnce();
    ran += n;
    if (n === 0) return ran;
  }
  return ran;
}

/** Sends `{ ...payload }` to a Standard Webhooks endpoint of the test app, signed at the test clock's time. */
export function standardWebhookSender(t: TestApp, endpoint: { id: string; secret: string }) {
  const wh = new Webhook(endpoint.secret);
  return (id: string, payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    const at = new Date(t.clock.nowMs());
    return t.app.inject({
      method: 'POST',
      url: `/hooks/generic/${endpoint.id}`,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': wh.sign(id, at, body),
      },
      payload: body,
    });
  };
}
