/**
 * The content benchmark's three measurements, each against the real server over HTTP:
 * (a) write latency at a fixed request rate (open loop); (b) event → SSE client latency; (c) product change → every
 * bundle's snapshot updated, with N bundles.
 */
import { now, percentile, sleep, waitUntil } from '../support/measure.js';
import type { BenchTarget } from './bench-target.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop.js';
import { openSse } from './sse-client.js';

export interface LatencyRow {
  scenario: string;
  count: number;
  errors: number;
  ratePerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  note?: string;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export function toLatencyRow(
  scenario: string,
  r: { latencies: number[]; errors: number },
  rate: number,
  note?: string,
): LatencyRow {
  const s = [...r.latencies].sort((a, b) => a - b);
  return {
    scenario,
    count: s.length,
    errors: r.errors,
    ratePerSecond: rate,
    p50Ms: round(percentile(s, 50)),
    p95Ms: round(percentile(s, 95)),
    p99Ms: round(percentile(s, 99)),
    maxMs: round(s.at(-1) ?? NaN),
    ...(note ? { note } : {}),
  };
}

function client(server: Pick<BenchTarget, 'baseUrl' | 'token'>) {
  const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  return async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(server.baseUrl + path, {
      method,
      headers: { ...headers, ...extra },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: () => JSON.parse(text) as Record<string, unknown> };
  };
}

/**
 * Round-robin over `count` targets, skipping any with a request in flight: a saturated server then shows up as
 * latency (and, once every target is busy, as refused sends), never as version conflicts made by the generator.
 */
function createTargetPool(count: number) {
  const busy = new Set<number>();
  let cursor = 0;
  return {
    acquire(): number | null {
      for (let n = 0; n < count; n++) {
        const k = cursor;
        cursor = (cursor + 1) % count;
        if (!busy.has(k)) {
          busy.add(k);
          return k;
        }
      }
      return null;
    },
    release: (k: number) => busy.delete(k),
  };
}

/**
 * (a) PATCH /api/v1/products/:id with If-Match at a fixed rate: a versioned write that, like a content transition,
 * locks a row, checks the expected version, writes, appends an event and an audit entry and enqueues a job in one
 * transaction. Products are used round-robin, never two requests on one product at once.
 */
export async function measureVersionedWrites(
  server: Pick<BenchTarget, 'baseUrl' | 'token'>,
  rate: number,
  durationMs: number,
): Promise<OpenLoopResult> {
  const call = client(server);
  const products = Math.max(50, rate * 2);
  const versions: { id: string; version: number }[] = [];
  for (let i = 0; i < products; i++) {
    const p = await createProduct(call, {
      sku: `W-${i}`,
      name: `Write ${i}`,
      price: '1.00',
      currency: 'EUR',
    });
    versions.push({ id: p.id, version: p.version });
  }
  const pool = createTargetPool(products);
  const send = async (i: number) => {
    const k = pool.acquire();
    if (k === null) return false;
    const target = versions[k]!;
    try {
      const res = await call(
        'PATCH',
        `/api/v1/products/${target.id}`,
        { price: `${1 + (i % 1000)}.${i % 100}` },
        { 'if-match': `"${target.version}"` },
      );
      if (res.status !== 200) return false;
      target.version = res.json().version as number;
      return true;
    } finally {
      pool.release(k);
    }
  };
  await runOpenLoop(rate, 1000, send); // warm-up: JIT, connection pool, plan cache
  return runOpenLoop(rate, durationMs, send);
}

/**
 * (a) POST /api/v1/content/:id/transitions at a fixed rate: each item alternates submit (draft → review) and
 * reject (review → draft, with a reason), with If-Match; items are used round-robin so no two in-flight requests
 * target the same item.
 */
export async function measureTransitions(
  server: Pick<BenchTarget, 'baseUrl' | 'token'>,
  rate: number,
  durationMs: number,
): Promise<OpenLoopResult> {
  const call = client(server);
  const count = Math.max(50, rate * 4);
  const items: { id: string; version: number; state: string }[] = [];
  for (let i = 0; i < count; i++) {
    const res = await call('POST', '/api/v1/content', {
      type: 'blog_post',
      title: `Bench post ${rate}-${i}`,
      slug: `bench-post-${rate}-${i}`,
      body: `# Bench post ${i}\n\nA body long enough to pass validation rules.`,
    });
    if (res.status !== 201) throw new Error(`create content: ${res.status}`);
    const item = res.json() as { id: string; version: number; state: string };
    items.push({ id: item.id, version: item.version, state: item.state });
  }
  let firstError: string | null = null;
  const pool = createTargetPool(count);
  const send = async () => {
    const k = pool.acquire();
    if (k === null) return false;
    const target = items[k]!;
    try {
      const body =
        target.state === 'draft'
          ? { action: 'submit' }
          : { action: 'reject', reason: 'bench: needs changes' };
      const res = await call('POST', `/api/v1/content/${target.id}/transitions`, body, {
        'if-match': `"${target.version}"`,
      });
      if (res.status !== 200) {
        firstError ??= `${res.status} ${JSON.stringify(res.json())}`;
        return false;
      }
      const item = (res.json() as { item: { version: number; state: string } }).item;
      target.version = item.version;
      target.state = item.state;
      return true;
    } finally {
      pool.release(k);
    }
  };
  await runOpenLoop(rate, 1000, send);
  const result = await runOpenLoop(rate, durationMs, send);
  if (firstError) console.warn(`transition errors, first: ${firstError}`);
  return result;
}

/** (a') POST /api/v1/events (a kernel write: one transaction appending an event) at a fixed rate. */
export async function measureEventWrites(
  server: Pick<BenchTarget, 'baseUrl' | 'token'>,
  rate: number,
  durationMs: number,
): Promise<OpenLoopResult> {
  const call = client(server);
  const send = async (i: number) =>
    (await call('POST', '/api/v1/events', { type: 'bench.write', payload: { i } })).status === 201;
  await runOpenLoop(rate, 1000, send);
  return runOpenLoop(rate, durationMs, send);
}

/** (b) Append via the API at a fixed rate; latency from just before the POST to the frame arriving on the stream. */
export async function measureSseLatency(
  server: Pick<BenchTarget, 'baseUrl' | 'token'>,
  rate: number,
  count: number,
): Promise<{ latencies: number[]; errors: number; received: number }> {
  const call = client(server);
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const sse = openSse(`${server.baseUrl}/api/v1/events/stream?types=bench.ping`, server.token, (e) => {
    const i = (e.payload as { i?: number }).i;
    const t = i === undefined ? undefined : sentAt.get(i);
    if (t !== undefined) latencies.push(now() - t);
  });
  await sse.ready;
  let errors = 0;
  await runOpenLoop(rate, (count / rate) * 1000, async (i) => {
    sentAt.set(i, now());
    const ok = (await call('POST', '/api/v1/events', { type: 'bench.ping', payload: { i } })).status === 201;
    if (!ok) errors++;
    return ok;
  });
  await waitUntil(() => latencies.length >= count - errors, 5_000);
  sse.close();
  return { latencies, errors, received: latencies.length };
}

export interface PropagationRun {
  bundles: number;
  /** PATCH sent → response. */
  responseMs: number;
  /** PATCH sent → first / last `bundle.updated` of this change on an SSE client. */
  firstBundleMs: number;
  allBundlesMs: number;
  /** Inside the database: change committed (propagation row created) → marked done. */
  dbMs: number;
  bundlesUpdated: number;
}

type Call = ReturnType<typeof client>;

async function createProduct(
  call: Call,
  body: Record<string, unknown>,
): Promise<{ id: string; version: number }> {
  const res = await call('POST', '/api/v1/products', body);
  if (res.status !== 201) throw new Error(`create product: ${res.status}`);
  return res.json() as { id: string; version: number };
}

/** (c) Creates one product in `bundles` bundles, then changes it `runs` times, timing each propagation. */
export async function measurePropagation(
  server: Pick<BenchTarget, 'baseUrl' | 'token'>,
  bundles: number,
  runs: number,
): Promise<PropagationRun[]> {
  const call = client(server);
  const product = await createProduct(call, { sku: 'PROP', name: 'Prop', price: '5.00', currency: 'EUR' });
  const filler = await createProduct(call, { sku: 'FILL', name: 'Fill', price: '1.00', currency: 'EUR' });
  for (let i = 0; i < bundles; i++) {
    const res = await call('POST', '/api/v1/bundles', {
      name: `Bundle ${i}`,
      items: [
        { productId: product.id, quantity: 1 },
        { productId: filler.id, quantity: 1 + (i % 3) },
      ],
    });
    if (res.status !== 201) throw new Error(`create bundle: ${res.status}`);
  }
  const results: PropagationRun[] = [];
  let version = product.version;
  for (let run = 0; run < runs; run++) {
    const target = version + 1;
    const seen: number[] = [];
    const sse = openSse(`${server.baseUrl}/api/v1/events/stream?types=bundle.updated`, server.token, (e) => {
      const p = e.payload as { productId?: string; productVersion?: number };
      if (p.productId === product.id && p.productVersion === target) seen.push(now());
    });
    await sse.ready;
    const t0 = now();
    const res = await call(
      'PATCH',
      `/api/v1/products/${product.id}`,
      { price: `${6 + run}.00` },
      { 'if-match': `"${version}"` },
    );
    const responseMs = now() - t0;
    if (res.status !== 200) throw new Error(`product change failed: ${res.status}`);
    version = target;
    const done = await waitUntil(() => seen.length >= bundles, 120_000, 2);
    sse.close();
    if (!done) throw new Error(`only ${seen.length}/${bundles} bundles updated within 120 s`);
    type Change = {
      productVersion: number;
      status: string;
      bundlesUpdated: number;
      createdAt: string;
      finishedAt: string | null;
    };
    let change: Change | undefined;
    await waitUntil(async () => {
      const status = (await call('GET', `/api/v1/products/${product.id}/propagation`)).json() as {
        changes: Change[];
      };
      change = status.changes.find((c) => c.productVersion === target);
      return change?.status === 'done';
    }, 10_000);
    results.push({
      bundles,
      responseMs: round(responseMs),
      firstBundleMs: round(seen[0]! - t0),
      allBundlesMs: round(seen.at(-1)! - t0),
      dbMs: change?.finishedAt ? Date.parse(change.finishedAt) - Date.parse(change.createdAt) : NaN,
      bundlesUpdated: change?.bundlesUpdated ?? 0,
    });
    await sleep(200);
  }
  return results;
}
