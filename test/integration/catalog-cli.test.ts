/**
 * `switchboard products …` and `switchboard bundles …` through `runCli`, in-process against a real database
 * (file-backed embedded, or the test PostgreSQL database): create, list with pages, show, update with
 * `--expect-version` conflicts, bundles with quantities, the propagation a product change enqueues (run here by a
 * worker, as `serve` would), the policy for `--as` members, and usage errors before any I/O.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliLogger, readConfig, withDatabase } from '../../src/server/cli/context.js';
import { runCli } from '../../src/server/cli/program.js';
import { createCatalogModule } from '../../src/server/modules/catalog/index.js';
import { createAudit } from '../../src/server/platform/audit/index.js';
import { systemClock } from '../../src/server/platform/clock.js';
import { createEvents } from '../../src/server/platform/events/index.js';
import { createMetricsRegistry } from '../../src/server/platform/metrics.js';
import { createWorker } from '../../src/server/platform/queue/index.js';
import type { TestDb } from '../support/test-db.js';
import { cliTestDatabase } from '../support/cli-runner.js';

describe('switchboard products / bundles CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-catalog-cli-'));
  let pg: TestDb | null = null;
  const env: Record<string, string> = {
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_CONFIG_FILE: '',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 4).toString('base64'),
  };
  const ctxFor = (out: string[], err: string[]) => ({
    io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) },
    env,
    cwd: dataDir,
  });

  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, ctxFor(out, err));
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  async function json<T = Record<string, unknown>>(...argv: string[]): Promise<T> {
    const r = await run(...argv, '--json');
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out) as T;
  }
  const ws = ['--workspace', 'cat-ws'];
  const as = (role: string) => [...ws, '--as', `${role}@cat.test`];

  /** What a worker does after `serve` starts: run the catalog jobs that are due. */
  async function runCatalogJobs(): Promise<number> {
    const config = readConfig(ctxFor([], []));
    return withDatabase(config, async (db) => {
      const logger = cliLogger(config);
      const metrics = createMetricsRegistry({ defaultMetrics: false });
      const catalog = createCatalogModule({
        db,
        clock: systemClock,
        logger,
        events: createEvents({ db, clock: systemClock, logger, metrics }),
        audit: createAudit({ db, clock: systemClock }),
      });
      const worker = createWorker({ db, catalog: catalog.jobs, clock: systemClock, logger, concurrency: 1 });
      let ran = 0;
      for (let n = await worker.runOnce(); n > 0; n = await worker.runOnce()) ran += n;
      return ran;
    });
  }

  beforeAll(async () => {
    pg = await cliTestDatabase(env);
    expect((await run('workspace', 'create', '--slug', 'cat-ws')).code).toBe(0);
    for (const role of ['editor', 'viewer']) {
      const args = ['user', 'create', '--email', `${role}@cat.test`, '--workspace', 'cat-ws', '--role', role];
      const r = await run(...args, '--password', 'a long enough password');
      expect(r.code, r.err).toBe(0);
    }
  });
  afterAll(async () => {
    await pg?.close();
  });

  let mug: { id: string; version: number };
  let tee: { id: string; version: number };

  it('creates products and lists them by SKU, a page at a time', async () => {
    mug = await json(
      'products',
      'create',
      ...as('editor'),
      '--sku',
      'MUG-1',
      '--name',
      'Mug',
      '--price',
      '12.5',
      '--currency',
      'eur',
      '--description',
      'Blue',
    );
    expect(mug).toMatchObject({
      sku: 'MUG-1',
      price: '12.50',
      currency: 'EUR',
      status: 'active',
      version: 1,
    });
    tee = await json(
      'products',
      'create',
      ...ws,
      '--sku',
      'TEE-1',
      '--name',
      'Tee',
      '--price',
      '20',
      '--currency',
      'EUR',
      '--image-url',
      'https://img.test/tee.png',
    );
    expect(tee).toMatchObject({ sku: 'TEE-1', imageUrl: 'https://img.test/tee.png' });

    const all = await json<{ sku: string }[]>('products', 'list', ...ws);
    expect(all.map((p) => p.sku)).toEqual(['MUG-1', 'TEE-1']);

    const first = await run('products', 'list', ...ws, '--limit', '1');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^ID\s+SKU\s+NAME\s+PRICE\s+CURRENCY\s+STATUS\s+VERSION/);
    expect(first.out).toContain('MUG-1');
    expect(first.out).not.toContain('TEE-1');
    expect(first.err).toContain('--after MUG-1');
    const second = await run('products', 'list', ...ws, '--limit', '1', '--after', 'MUG-1');
    expect(second.out).toContain('TEE-1');
    expect(second.err).toBe('');

    const taken = await run(
      'products',
      'create',
      ...ws,
      '--sku',
      'MUG-1',
      '--name',
      'x',
      '--price',
      '1',
      '--currency',
      'EUR',
    );
    expect(taken.code).toBe(1);
    expect(taken.err).toContain('PRODUCT_SKU_TAKEN');
  });

  it('creates a bundle with quantities and shows its snapshot', async () => {
    const bundle = await json<{ id: string; items: { productId: string; quantity: number }[] }>(
      'bundles',
      'create',
      ...as('editor'),
      '--name',
      'Breakfast set',
      '--item',
      `${mug.id}:2`,
      '--item',
      tee.id,
      '--body',
      'Everything for a good morning.',
    );
    expect(bundle.items).toEqual([
      expect.objectContaining({ productId: mug.id, quantity: 2 }),
      expect.objectContaining({ productId: tee.id, quantity: 1 }),
    ]);
    const shown = await run('bundles', 'show', bundle.id, ...ws);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain('Breakfast set');
    expect(shown.out).toContain('publishable');
    expect(shown.out).toMatch(/2 × MUG-1\s+Mug\s+12\.50 EUR/);

    await json('bundles', 'create', ...ws, '--name', 'Just a tee', '--item', tee.id);
    const withMug = await json<{ id: string }[]>('bundles', 'list', ...ws, '--product', mug.id);
    expect(withMug.map((b) => b.id)).toEqual([bundle.id]);
    const page1 = await run('bundles', 'list', ...ws, '--limit', '1');
    const cursor = /--after (\S+)/.exec(page1.err)?.[1];
    expect(cursor).toBeDefined();
    const page2 = await json<{ name: string }[]>(
      'bundles',
      'list',
      ...ws,
      '--limit',
      '1',
      '--after',
      cursor!,
    );
    expect(page2.map((b) => b.name)).toEqual(['Just a tee']);
  });

  it('updates a product with --expect-version; the change reaches its bundles through the propagation job', async () => {
    const updated = await json<{ version: number; price: string }>(
      'products',
      'update',
      mug.id,
      ...ws,
      '--expect-version',
      '1',
      '--price',
      '14',
      '--name',
      'Big mug',
    );
    expect(updated).toMatchObject({ version: 2, price: '14.00' });

    const stale = await run('products', 'update', mug.id, ...ws, '--expect-version', '1', '--price', '15');
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('PRODUCT_VERSION_CONFLICT');

    const pending = await json<{ propagation: { status: string; bundlesStale: number } }>(
      'products',
      'show',
      mug.id,
      ...ws,
    );
    expect(pending.propagation).toMatchObject({ status: 'pending', bundlesStale: 1 });
    const bundleId = (await json<{ id: string }[]>('bundles', 'list', ...ws, '--product', mug.id))[0]!.id;
    expect((await run('bundles', 'show', bundleId, ...ws)).out).toContain('snapshot stale since');

    expect(await runCatalogJobs()).toBeGreaterThan(0);
    const done = await json<{ propagation: { status: string; bundlesStale: number } }>(
      'products',
      'show',
      mug.id,
      ...ws,
    );
    expect(done.propagation).toMatchObject({ status: 'done', bundlesStale: 0 });
    const bundle = await run('bundles', 'show', bundleId, ...ws);
    expect(bundle.out).toMatch(/2 × MUG-1\s+Big mug\s+14\.00 EUR/);
    expect(bundle.out).not.toContain('stale');

    // Discontinuing the product makes its bundles not publishable.
    await json('products', 'update', mug.id, ...ws, '--expect-version', '2', '--status', 'discontinued');
    await runCatalogJobs();
    expect((await run('bundles', 'show', bundleId, ...ws)).out).toContain('NOT publishable');
    const text = await run('products', 'show', mug.id, ...ws);
    expect(text.out).toContain('Big mug (MUG-1), 14.00 EUR, discontinued, version 3');
  });

  it('members act with their role: a viewer reads but cannot write', async () => {
    expect((await json<unknown[]>('products', 'list', ...as('viewer'))).length).toBe(2);
    const refused = await run(
      'products',
      'create',
      ...as('viewer'),
      '--sku',
      'V-1',
      '--name',
      'V',
      '--price',
      '1',
      '--currency',
      'EUR',
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('FORBIDDEN');
    const noBundle = await run('bundles', 'create', ...as('viewer'), '--name', 'V', '--item', tee.id);
    expect(noBundle.err).toContain('FORBIDDEN');
  });

  it('bad input is a usage error (exit 2) or a coded error, never a crash', async () => {
    const usage = [
      ['products', 'create', ...ws, '--sku', 'BAD SKU', '--name', 'x', '--price', '1', '--currency', 'EUR'],
      ['products', 'create', ...ws, '--sku', 'P-2', '--name', 'x', '--price', '1,5', '--currency', 'EUR'],
      ['products', 'create', ...ws, '--sku', 'P-2', '--name', 'x', '--price', '1', '--currency', 'EURO'],
      [
        'products',
        'create',
        ...ws,
        '--sku',
        'P-2',
        '--name',
        'x',
        '--price',
        '1',
        '--currency',
        'EUR',
        '--status',
        'gone',
      ],
      [
        'products',
        'create',
        ...ws,
        '--sku',
        'P-2',
        '--name',
        'x',
        '--price',
        '1',
        '--currency',
        'EUR',
        '--image-url',
        'ftp://x',
      ],
      ['products', 'update', mug.id, ...ws, '--expect-version', '3'],
      ['products', 'update', mug.id, ...ws, '--expect-version', 'three', '--name', 'x'],
      ['products', 'show', 'not-a-uuid', ...ws],
      ['products', 'list', ...ws, '--limit', '0'],
      ['bundles', 'create', ...ws, '--name', 'x', '--item', `${tee.id}:0`],
      ['bundles', 'create', ...ws, '--name', 'x', '--item', tee.id, '--item', `${tee.id}:2`],
      ['bundles', 'list', ...ws, '--after', 'garbage'],
      ['bundles', 'create', ...ws, '--name', 'x'],
    ];
    for (const argv of usage) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
    }
    const missing = await run('products', 'show', '00000000-0000-4000-8000-000000000000', ...ws);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('NOT_FOUND');
    const unknownProduct = await run(
      'bundles',
      'create',
      ...ws,
      '--name',
      'x',
      '--item',
      '00000000-0000-4000-8000-000000000000',
    );
    expect(unknownProduct.code).toBe(1);
    expect(unknownProduct.err).toContain('BUNDLE_PRODUCT_UNKNOWN');
    const noWs = await run('products', 'list', '--workspace', 'nope');
    expect(noWs.err).toContain('NOT_FOUND');
  });
});
