/**
 * Catalog over HTTP: product and bundle CRUD with If-Match versions, strong ETags, events and audit entries in the
 * same transaction, and the catalog routes × roles (the shared matrix covers them too once main.ts wires catalog).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { WORKSPACE_ROLES } from '../../src/server/platform/db/index.js';
import { can, systemActor } from '../../src/server/platform/auth/index.js';
import { verifyAuditChain } from '../../src/server/platform/audit/index.js';
import { CATALOG_ROUTES } from './authz/catalog.routes.js';
import { createCatalogTestApp, ifMatch, type CatalogTestApp } from './catalog.fixture.js';

let c: CatalogTestApp;
beforeAll(async () => {
  c = await createCatalogTestApp();
});
afterAll(() => c?.close());

const newProduct = (sku: string, over: Record<string, unknown> = {}) =>
  c.call('POST', '/api/v1/products', {
    body: { sku, name: `Product ${sku}`, price: '10.00', currency: 'EUR', ...over },
  });

async function eventTypes(subject: string): Promise<string[]> {
  const r = await sql<{
    type: string;
  }>`SELECT type FROM events WHERE subject = ${subject} ORDER BY seq`.execute(c.t.db.kysely);
  return r.rows.map((x) => x.type);
}

describe('products', () => {
  it('creates, reads with a strong ETag (304 on If-None-Match) and lists by SKU', async () => {
    const res = await newProduct('MUG-1', {
      price: '9.5',
      description: 'A mug',
      imageUrl: 'https://x.test/m.png',
    });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json();
    expect(p).toMatchObject({ sku: 'MUG-1', price: '9.50', currency: 'EUR', status: 'active', version: 1 });

    const got = await c.call('GET', `/api/v1/products/${p.id}`, { role: 'viewer' });
    expect(got.statusCode).toBe(200);
    const etag = got.headers.etag as string;
    expect(etag).toMatch(/^"/);
    const again = await c.call('GET', `/api/v1/products/${p.id}`, { headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);

    await newProduct('AAA-0');
    const page1 = await c.call('GET', '/api/v1/products?limit=1');
    expect(page1.json().items.map((x: { sku: string }) => x.sku)).toEqual(['AAA-0']);
    const page2 = await c.call('GET', `/api/v1/products?limit=1&cursor=${page1.json().nextCursor}`);
    expect(page2.json().items.map((x: { sku: string }) => x.sku)).toEqual(['MUG-1']);
    expect(await eventTypes(`product:${p.id}`)).toEqual(['product.created']);
  });

  it('refuses a duplicate SKU with 409 PRODUCT_SKU_TAKEN', async () => {
    await newProduct('DUP-1');
    const res = await newProduct('DUP-1');
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('PRODUCT_SKU_TAKEN');
  });

  it('updates with If-Match; a stale version gets 409 with the current version and changes nothing', async () => {
    const p = (await newProduct('EDIT-1')).json();
    const missing = await c.call('PATCH', `/api/v1/products/${p.id}`, { body: { name: 'x' } });
    expect(missing.statusCode).toBe(428);
    expect(missing.json().error.code).toBe('PRECONDITION_REQUIRED');

    const ok = await c.call('PATCH', `/api/v1/products/${p.id}`, {
      body: { price: '12.30' },
      headers: ifMatch(1),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ price: '12.30', version: 2 });

    const stale = await c.call('PATCH', `/api/v1/products/${p.id}`, {
      body: { name: 'lost' },
      headers: ifMatch(1),
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({
      code: 'PRODUCT_VERSION_CONFLICT',
      details: { currentVersion: 2 },
    });
    expect((await c.call('GET', `/api/v1/products/${p.id}`)).json()).toMatchObject({
      name: p.name,
      version: 2,
    });

    const gone = await c.call('PATCH', `/api/v1/products/${p.id}`, {
      body: { status: 'discontinued' },
      headers: ifMatch(2),
    });
    expect(gone.json()).toMatchObject({ status: 'discontinued', version: 3 });
    expect(await eventTypes(`product:${p.id}`)).toEqual([
      'product.created',
      'product.updated',
      'product.discontinued',
    ]);
    const audit = await sql<{ action: string }>`
      SELECT action FROM audit_log WHERE subject = ${`product:${p.id}`} ORDER BY seq`.execute(c.t.db.kysely);
    expect(audit.rows.map((r) => r.action)).toEqual([
      'catalog.product.create',
      'catalog.product.update',
      'catalog.product.discontinue',
    ]);
    expect((await verifyAuditChain(c.t.db.kysely, c.ws.workspaceId)).ok).toBe(true);
  });

  it('a patch that changes nothing keeps the version and enqueues nothing', async () => {
    const p = (await newProduct('SAME-1', { price: '5.00' })).json();
    const res = await c.call('PATCH', `/api/v1/products/${p.id}`, {
      body: { price: '5.0000' },
      headers: ifMatch(1),
    });
    expect(res.json().version).toBe(1);
    const jobs = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM jobs WHERE payload->>'productId' = ${p.id}`.execute(c.t.db.kysely);
    expect(jobs.rows[0]!.n).toBe(0);
  });

  it('deletes an unused product (admin, If-Match) but not one a bundle uses', async () => {
    const unused = (await newProduct('DEL-1')).json();
    const used = (await newProduct('DEL-2')).json();
    await c.call('POST', '/api/v1/bundles', {
      body: { name: 'B', items: [{ productId: used.id, quantity: 1 }] },
    });
    const inUse = await c.call('DELETE', `/api/v1/products/${used.id}`, {
      role: 'admin',
      headers: ifMatch(1),
    });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error).toMatchObject({ code: 'PRODUCT_IN_USE', details: { bundles: 1, content: 0 } });
    const del = await c.call('DELETE', `/api/v1/products/${unused.id}`, {
      role: 'admin',
      headers: ifMatch(1),
    });
    expect(del.statusCode).toBe(204);
    expect((await c.call('GET', `/api/v1/products/${unused.id}`)).statusCode).toBe(404);
  });
});

describe('bundles', () => {
  it('creates a bundle with a snapshot of its products; edits need If-Match; GET honours If-None-Match', async () => {
    const a = (await newProduct('B-A', { price: '3.00' })).json();
    const b = (await newProduct('B-B', { price: '4.25', status: 'draft' })).json();
    const res = await c.call('POST', '/api/v1/bundles', {
      body: {
        name: 'Starter kit',
        body: '# Kit',
        items: [
          { productId: a.id, quantity: 2 },
          { productId: b.id, quantity: 1 },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const bundle = res.json();
    expect(bundle).toMatchObject({ name: 'Starter kit', version: 1, publishable: true, staleSince: null });
    expect(
      bundle.items.map((i: { quantity: number; product: { sku: string; price: string } }) => [
        i.quantity,
        i.product.sku,
        i.product.price,
      ]),
    ).toEqual([
      [2, 'B-A', '3.00'],
      [1, 'B-B', '4.25'],
    ]);

    const got = await c.call('GET', `/api/v1/bundles/${bundle.id}`);
    const notModified = await c.call('GET', `/api/v1/bundles/${bundle.id}`, {
      headers: { 'if-none-match': got.headers.etag as string },
    });
    expect(notModified.statusCode).toBe(304);

    const edit = await c.call('PATCH', `/api/v1/bundles/${bundle.id}`, {
      body: { name: 'Starter kit v2', items: [{ productId: a.id, quantity: 5 }] },
      headers: ifMatch(1),
    });
    expect(edit.statusCode, edit.body).toBe(200);
    expect(edit.json()).toMatchObject({ name: 'Starter kit v2', version: 2 });
    expect(edit.json().items).toHaveLength(1);
    const stale = await c.call('PATCH', `/api/v1/bundles/${bundle.id}`, {
      body: { name: 'x' },
      headers: ifMatch(1),
    });
    expect(stale.json().error).toMatchObject({
      code: 'BUNDLE_VERSION_CONFLICT',
      details: { currentVersion: 2 },
    });
    // The ETag follows the representation.
    const after = await c.call('GET', `/api/v1/bundles/${bundle.id}`, {
      headers: { 'if-none-match': got.headers.etag as string },
    });
    expect(after.statusCode).toBe(200);
    expect(await eventTypes(`bundle:${bundle.id}`)).toEqual(['bundle.created', 'bundle.updated']);

    const del = await c.call('DELETE', `/api/v1/bundles/${bundle.id}`, {
      role: 'admin',
      headers: ifMatch(2),
    });
    expect(del.statusCode).toBe(204);
    expect(await eventTypes(`bundle:${bundle.id}`)).toEqual([
      'bundle.created',
      'bundle.updated',
      'bundle.deleted',
    ]);
  });

  it('refuses unknown and repeated products', async () => {
    const a = (await newProduct('B-R')).json();
    const unknown = await c.call('POST', '/api/v1/bundles', {
      body: { name: 'x', items: [{ productId: '00000000-0000-4000-8000-000000000009', quantity: 1 }] },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.code).toBe('BUNDLE_PRODUCT_UNKNOWN');
    const repeated = await c.call('POST', '/api/v1/bundles', {
      body: {
        name: 'x',
        items: [
          { productId: a.id, quantity: 1 },
          { productId: a.id, quantity: 2 },
        ],
      },
    });
    expect(repeated.statusCode).toBe(400);
  });

  it('a bundle with a discontinued product is not publishable from the start', async () => {
    const p = (await newProduct('B-D', { status: 'discontinued' })).json();
    const res = await c.call('POST', '/api/v1/bundles', {
      body: { name: 'Old', items: [{ productId: p.id, quantity: 1 }] },
    });
    expect(res.json()).toMatchObject({
      publishable: false,
      notPublishableReason: 'product B-D is discontinued',
    });
  });
});

describe('OpenAPI', () => {
  it('documents every catalog route', async () => {
    const res = await c.t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths as Record<string, unknown>);
    for (const p of [
      '/api/v1/products',
      '/api/v1/products/{id}',
      '/api/v1/products/{id}/propagation',
      '/api/v1/bundles',
      '/api/v1/bundles/{id}',
    ])
      expect(paths).toContain(p);
  });
});

describe('catalog routes × roles', () => {
  it('every catalog route answers 403 exactly when the policy refuses the role', async () => {
    const problems: string[] = [];
    for (const [key, policy] of Object.entries(CATALOG_ROUTES)) {
      const [method, path] = key.split(' ') as ['GET' | 'POST' | 'PATCH' | 'DELETE', string];
      const url = path.replace(':id', '00000000-0000-4000-8000-000000000001');
      const anon = await c.t.app.inject({
        method,
        url,
        ...(method === 'POST' || method === 'PATCH' ? { payload: {} } : {}),
      });
      if (anon.statusCode !== 401) problems.push(`${key} anonymous: ${anon.statusCode}`);
      for (const role of WORKSPACE_ROLES) {
        const res = await c.call(method, url, {
          role,
          ...(method === 'POST' || method === 'PATCH' ? { body: {} } : {}),
        });
        const allowed = policy !== 'public' && can({ ...systemActor(c.ws.workspaceId), role }, policy);
        if ((res.statusCode === 403) === allowed) problems.push(`${key} ${role}: ${res.statusCode}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
