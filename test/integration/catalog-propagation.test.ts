/**
 * Propagation of product changes: the job enqueued with the change (outbox) refreshes every bundle's snapshot in
 * batches, flags linked content, marks bundles and content not publishable while a product is discontinued, exposes
 * its status, is idempotent per product version, and converges on the newest version when changes race.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  createCatalogTestApp,
  ifMatch,
  insertLinkedContent,
  readContentFlags,
  type CatalogTestApp,
} from './catalog.fixture.js';

let c: CatalogTestApp;
beforeAll(async () => {
  // A small batch so 7 bundles take several transactions.
  c = await createCatalogTestApp({ propagationBatchSize: 3 });
});
afterAll(() => c?.close());

async function newProduct(sku: string): Promise<{ id: string; version: number }> {
  const res = await c.call('POST', '/api/v1/products', {
    body: { sku, name: `Product ${sku}`, price: '10.00', currency: 'EUR' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function newBundles(n: number, productIds: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await c.call('POST', '/api/v1/bundles', {
      body: { name: `Bundle ${i}`, items: productIds.map((productId) => ({ productId, quantity: 1 + i })) },
    });
    expect(res.statusCode, res.body).toBe(201);
    ids.push(res.json().id);
  }
  return ids;
}

const getBundle = async (id: string) => (await c.call('GET', `/api/v1/bundles/${id}`)).json();
const status = async (productId: string) =>
  (await c.call('GET', `/api/v1/products/${productId}/propagation`)).json();
const entryOf = (
  bundle: { items: { productId: string; product: Record<string, unknown> }[] },
  productId: string,
) => bundle.items.find((i) => i.productId === productId)!.product;

describe('product → bundles', () => {
  it('updates every bundle snapshot in batches, flags linked content and reports its status', async () => {
    const p = await newProduct('PROP-1');
    const other = await newProduct('PROP-OTHER');
    const bundles = await newBundles(7, [p.id, other.id]);
    const unrelated = await newBundles(1, [other.id]);
    const direct = await insertLinkedContent(c, 'about-prop-1', [{ kind: 'product', targetId: p.id }]);
    const viaBundle = await insertLinkedContent(c, 'bundle-page', [
      { kind: 'bundle', targetId: bundles[0]! },
    ]);
    const untouched = await insertLinkedContent(c, 'other-page', [
      { kind: 'bundle', targetId: unrelated[0]! },
    ]);

    const changedAt = c.clock.now();
    const res = await c.call('PATCH', `/api/v1/products/${p.id}`, {
      body: { name: 'Renamed', price: '11.99', imageUrl: 'https://img.test/p.png' },
      headers: ifMatch(1),
    });
    expect(res.statusCode, res.body).toBe(200);

    // Committed with the change: pending status, stale bundles, one job.
    const before = await status(p.id);
    expect(before).toMatchObject({ productVersion: 2, status: 'pending', bundlesStale: 7 });
    expect(before.changes[0]).toMatchObject({
      productVersion: 2,
      changedFields: ['name', 'price', 'imageUrl'],
    });
    expect((await getBundle(bundles[3]!)).staleSince).toBe(changedAt.toISOString());
    expect(entryOf(await getBundle(bundles[3]!), p.id)).toMatchObject({ name: 'Product PROP-1', version: 1 });

    c.clock.advance(1000);
    expect(await c.worker.drain()).toBe(1);

    const after = await status(p.id);
    expect(after).toMatchObject({ status: 'done', bundlesStale: 0 });
    expect(after.changes[0]).toMatchObject({ bundlesTotal: 7, bundlesUpdated: 7, contentFlagged: 2 });
    expect(after.changes[0].finishedAt).not.toBeNull();
    for (const id of bundles) {
      const b = await getBundle(id);
      expect(b.staleSince).toBeNull();
      expect(entryOf(b, p.id)).toMatchObject({
        name: 'Renamed',
        price: '11.99',
        imageUrl: 'https://img.test/p.png',
        version: 2,
      });
      expect(entryOf(b, other.id)).toMatchObject({ name: 'Product PROP-OTHER' });
    }
    expect((await readContentFlags(c, direct)).sourceChangedAt).toEqual(c.clock.now());
    expect((await readContentFlags(c, viaBundle)).sourceChangedAt).toEqual(c.clock.now());
    expect((await readContentFlags(c, untouched)).sourceChangedAt).toBeNull();

    const events = await sql<{ type: string; subject: string }>`
      SELECT type, subject FROM events WHERE type IN ('bundle.updated', 'content.source_changed')
        AND payload->>'productId' IS NOT DISTINCT FROM ${p.id} OR payload->'source'->>'id' = ${p.id}`.execute(
      c.t.db.kysely,
    );
    expect(
      events.rows
        .filter((e) => e.type === 'bundle.updated')
        .map((e) => e.subject)
        .sort(),
    ).toEqual(bundles.map((id) => `bundle:${id}`).sort());
    expect(events.rows.filter((e) => e.type === 'content.source_changed')).toHaveLength(2);
  });

  it('is idempotent per product version: running the change again writes nothing', async () => {
    const p = await newProduct('IDEM-1');
    await newBundles(2, [p.id]);
    await c.call('PATCH', `/api/v1/products/${p.id}`, { body: { name: 'Once' }, headers: ifMatch(1) });
    await c.worker.drain();
    const again = await c.catalog.services.propagateProductChange({
      workspaceId: c.ws.workspaceId,
      productId: p.id,
      productVersion: 2,
    });
    expect(again.bundlesUpdated).toBe(0);
  });

  it('a refused change (stale If-Match) leaves no job and no propagation behind (outbox)', async () => {
    const p = await newProduct('OUTBOX-1');
    await newBundles(1, [p.id]);
    await c.call('PATCH', `/api/v1/products/${p.id}`, { body: { name: 'v2' }, headers: ifMatch(1) });
    const stale = await c.call('PATCH', `/api/v1/products/${p.id}`, {
      body: { name: 'x' },
      headers: ifMatch(1),
    });
    expect(stale.statusCode).toBe(409);
    const jobs = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM jobs WHERE payload->>'productId' = ${p.id}`.execute(c.t.db.kysely);
    expect(jobs.rows[0]!.n).toBe(1);
    expect((await status(p.id)).changes).toHaveLength(1);
    await c.worker.drain();
  });

  it('a change of a product nothing uses is done at once, without a job', async () => {
    const p = await newProduct('ALONE-1');
    await c.call('PATCH', `/api/v1/products/${p.id}`, { body: { name: 'v2' }, headers: ifMatch(1) });
    const jobs = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM jobs WHERE payload->>'productId' = ${p.id}`.execute(c.t.db.kysely);
    expect(jobs.rows[0]!.n).toBe(0);
    expect(await status(p.id)).toMatchObject({
      status: 'done',
      bundlesStale: 0,
      changes: [{ productVersion: 2 }],
    });
  });
});

describe('discontinued products', () => {
  it('make their bundles and linked content not publishable, until the product is active again', async () => {
    const p = await newProduct('DISC-1');
    const ok = await newProduct('DISC-OK');
    const [bundle, okBundle] = [...(await newBundles(1, [p.id, ok.id])), ...(await newBundles(1, [ok.id]))];
    const viaBundle = await insertLinkedContent(c, 'disc-bundle', [{ kind: 'bundle', targetId: bundle! }]);
    const direct = await insertLinkedContent(c, 'disc-direct', [{ kind: 'product', targetId: p.id }]);
    await sql`UPDATE content_items SET not_publishable_reason = 'legal hold' WHERE slug = 'disc-direct'`.execute(
      c.t.db.kysely,
    );

    await c.call('PATCH', `/api/v1/products/${p.id}`, {
      body: { status: 'discontinued' },
      headers: ifMatch(1),
    });
    await c.worker.drain();
    expect(await getBundle(bundle!)).toMatchObject({
      publishable: false,
      notPublishableReason: 'product DISC-1 is discontinued',
    });
    expect((await getBundle(okBundle!)).publishable).toBe(true);
    expect((await readContentFlags(c, viaBundle)).notPublishableReason).toBe(
      'catalog: product DISC-1 is discontinued',
    );
    expect((await readContentFlags(c, direct)).notPublishableReason).toBe(
      'catalog: product DISC-1 is discontinued',
    );
    const ev = await sql<{ payload: { publishable: boolean } }>`
      SELECT payload FROM events WHERE type = 'bundle.updated' AND subject = ${`bundle:${bundle}`}
      ORDER BY seq DESC LIMIT 1`.execute(c.t.db.kysely);
    expect(ev.rows[0]!.payload.publishable).toBe(false);

    await c.call('PATCH', `/api/v1/products/${p.id}`, { body: { status: 'active' }, headers: ifMatch(2) });
    await c.worker.drain();
    expect(await getBundle(bundle!)).toMatchObject({ publishable: true, notPublishableReason: null });
    expect((await readContentFlags(c, viaBundle)).notPublishableReason).toBeNull();
    expect((await readContentFlags(c, direct)).notPublishableReason).toBeNull();
  });
});

describe('racing changes', () => {
  it('two edits of one product: bundles end with the newest, whatever order the jobs run in', async () => {
    const p = await newProduct('RACE-1');
    const bundles = await newBundles(5, [p.id]);
    await c.call('PATCH', `/api/v1/products/${p.id}`, { body: { name: 'second' }, headers: ifMatch(1) });
    await c.call('PATCH', `/api/v1/products/${p.id}`, { body: { name: 'third' }, headers: ifMatch(2) });
    const run = (productVersion: number) =>
      c.catalog.services.propagateProductChange({
        workspaceId: c.ws.workspaceId,
        productId: p.id,
        productVersion,
      });
    // Newest first, then the older change concurrently with a replay of the newest.
    await run(3);
    await Promise.all([run(2), run(3)]);
    for (const id of bundles)
      expect(entryOf(await getBundle(id), p.id)).toMatchObject({ name: 'third', version: 3 });
    await c.worker.drain();
    for (const id of bundles)
      expect(entryOf(await getBundle(id), p.id)).toMatchObject({ name: 'third', version: 3 });
    expect((await status(p.id)).changes.map((x: { status: string }) => x.status)).toEqual(['done', 'done']);
  });

  it('two editors with the same If-Match: exactly one wins, and only its change propagates', async () => {
    const p = await newProduct('RACE-2');
    const [b] = await newBundles(1, [p.id]);
    const results = await Promise.all(
      ['alpha', 'beta'].map((name) =>
        c.call('PATCH', `/api/v1/products/${p.id}`, { body: { name }, headers: ifMatch(1) }),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409]);
    const winner = results.find((r) => r.statusCode === 200)!.json().name;
    await c.worker.drain();
    expect(entryOf(await getBundle(b!), p.id)).toMatchObject({ name: winner, version: 2 });
  });

  it('a bundle edited while a change is pending takes the current product and is not stale', async () => {
    const p = await newProduct('RACE-3');
    const [b] = await newBundles(1, [p.id]);
    await c.call('PATCH', `/api/v1/products/${p.id}`, { body: { name: 'new name' }, headers: ifMatch(1) });
    const edit = await c.call('PATCH', `/api/v1/bundles/${b}`, {
      body: { items: [{ productId: p.id, quantity: 9 }] },
      headers: ifMatch(1),
    });
    expect(edit.json()).toMatchObject({
      staleSince: null,
      items: [{ quantity: 9, product: { name: 'new name' } }],
    });
    await c.worker.drain();
    expect((await status(p.id)).changes[0]).toMatchObject({ status: 'done', bundlesUpdated: 0 });
  });
});
