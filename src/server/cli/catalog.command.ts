/**
 * `switchboard products list|show|create|update` and `switchboard bundles list|show|create`: the catalog use cases
 * (the same services as `/api/v1/products` and `/api/v1/bundles`), acting as the system or as `--as <email>`.
 * Writes take `--expect-version` like the API's If-Match; a product change enqueues its propagation into bundles,
 * which a worker (`switchboard serve`) carries out.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { createAudit } from '../platform/audit/index.js';
import { systemClock } from '../platform/clock.js';
import { createEvents } from '../platform/events/index.js';
import { decodeCursor, encodeCursor } from '../platform/http/index.js';
import { createMetricsRegistry } from '../platform/metrics.js';
import type { Actor } from '../platform/auth/index.js';
import {
  createCatalogModule,
  PRODUCT_STATUSES,
  type Bundle,
  type CatalogServices,
  type Product,
  type ProductStatus,
} from '../modules/catalog/index.js';
import { resolveActingActor, withActingOptions, type ActingOpts } from './acting.js';
import { cliLogger, readConfig, withDatabase, type CliContext } from './context.js';
import { printList, type CliIo } from './output.js';
import { UsageError } from './serve.command.js';

// The same shapes the HTTP schemas accept (products.routes.ts, bundles.routes.ts), checked before any I/O.
const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PRICE = /^\d{1,10}(\.\d{1,4})?$/;
const CURRENCY = /^[A-Z]{3}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function check(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new UsageError(`${what} is not valid: ${JSON.stringify(value)}`);
  return value;
}
const parseId = (value: string, what = 'id') => check(value, UUID, `${what} (a UUID)`);
const parseSku = (value: string) => check(value, SKU, '--sku (letters, digits, . _ -; up to 64)');
const parsePrice = (value: string) => check(value.trim(), PRICE, '--price (a decimal such as 19.99)');
const parseCurrency = (value: string) =>
  check(value.toUpperCase(), CURRENCY, '--currency (ISO 4217, e.g. EUR)');

function parseStatus(value: string): ProductStatus {
  if (!(PRODUCT_STATUSES as readonly string[]).includes(value)) {
    throw new UsageError(`--status must be one of ${PRODUCT_STATUSES.join(', ')}; got ${value}`);
  }
  return value as ProductStatus;
}

function parseImageUrl(value: string): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || value.length > 2000) {
    throw new UsageError(`--image-url must be an http(s) URL; got ${value}`);
  }
  return value;
}

function parsePositiveInt(value: string, what: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${what} must be an integer from 1 to ${max}; got ${value}`);
  }
  return n;
}

/** `--item <productId>[:<quantity>]`, repeatable; quantity 1 by default. */
function parseItem(value: string): { productId: string; quantity: number } {
  const [id = '', qty] = value.split(':');
  return {
    productId: parseId(id, `--item ${value}: product id`),
    quantity: qty === undefined ? 1 : parsePositiveInt(qty, `--item ${value}: quantity`, 100_000),
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const bundleCursorSchema = z.object({ createdAt: z.iso.datetime(), id: z.uuid() });

/** Opens the database, builds the catalog services and the actor, runs `fn`. */
async function withCatalog(
  ctx: CliContext,
  opts: ActingOpts,
  fn: (catalog: CatalogServices, actor: Actor) => Promise<void>,
): Promise<void> {
  const config = readConfig(ctx);
  const logger = cliLogger(config);
  await withDatabase(config, async (db) => {
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const module = createCatalogModule({
      db,
      clock: systemClock,
      logger,
      events: createEvents({ db, clock: systemClock, logger, metrics }),
      audit: createAudit({ db, clock: systemClock }),
    });
    await fn(module.services, await resolveActingActor(db.kysely, opts));
  });
}

const productRow = (p: Product) => ({
  id: p.id,
  sku: p.sku,
  name: p.name,
  price: p.price,
  currency: p.currency,
  status: p.status,
  version: p.version,
});

const bundleRow = (b: Bundle) => ({
  id: b.id,
  name: b.name,
  products: b.items.length,
  publishable: b.notPublishableReason === null ? 'yes' : `no: ${b.notPublishableReason}`,
  stale_since: b.staleSince,
  version: b.version,
});

function describeBundle(b: Bundle): string {
  const bySku = new Map(b.snapshot.map((e) => [e.productId, e]));
  const lines = b.items.map((i) => {
    const p = bySku.get(i.productId);
    const what = p ? `${p.sku}  ${p.name}  ${p.price} ${p.currency}  ${p.status}` : '(not in snapshot)';
    return `  ${i.quantity} × ${what}  [product ${i.productId} v${i.syncedVersion}]`;
  });
  const status =
    b.notPublishableReason === null ? 'publishable' : `NOT publishable: ${b.notPublishableReason}`;
  const stale = b.staleSince ? `; snapshot stale since ${b.staleSince.toISOString()}` : '';
  return [`${b.name} (bundle ${b.id}), version ${b.version}`, `${status}${stale}`, ...lines].join('\n');
}

/** The service objects as JSON (`--json`), else a table of their summary rows. */
function printRows<T>(
  io: CliIo,
  items: T[],
  row: (item: T) => Record<string, unknown>,
  json?: boolean,
): void {
  if (json) io.out(JSON.stringify(items, null, 2));
  else printList(io, items.map(row), {});
}

/** Tells a person how to get the next page; stderr, so `--json` output stays one document. */
function hintNextPage(io: CliIo, next: string | null): void {
  if (next !== null) io.err(`more: repeat with --after ${next}`);
}

export function registerCatalogCommands(program: Command, ctx: CliContext): void {
  const out = (json: boolean | undefined, value: unknown, text: string) =>
    ctx.io.out(json ? JSON.stringify(value) : text);
  const products = program.command('products').description('Catalog products (SKU, price, status)');

  withActingOptions(products.command('list').description('List products by SKU'))
    .option('--status <status>', PRODUCT_STATUSES.join(' | '))
    .option('--limit <n>', 'page size, 1–500 (default 50)')
    .option('--after <sku>', 'start after this SKU (the hint printed after a full page)')
    .action(async (opts: ActingOpts & { status?: string; limit?: string; after?: string }) => {
      const status = opts.status === undefined ? undefined : parseStatus(opts.status);
      const limit = opts.limit === undefined ? 50 : parsePositiveInt(opts.limit, '--limit', 500);
      await withCatalog(ctx, opts, async (svc, actor) => {
        const page = await svc.pageProducts(actor, { status, afterSku: opts.after, limit });
        printRows(ctx.io, page.items, productRow, opts.json);
        hintNextPage(ctx.io, page.nextAfterSku);
      });
    });

  withActingOptions(
    products.command('show <id>').description('A product and the propagation of its changes'),
  ).action(async (id: string, opts: ActingOpts) => {
    await withCatalog(ctx, opts, async (svc, actor) => {
      const product = await svc.getProduct(actor, parseId(id));
      const propagation = await svc.getPropagationStatus(actor, product.id);
      out(
        opts.json,
        { ...product, propagation },
        `${product.name} (${product.sku}), ${product.price} ${product.currency}, ${product.status}, ` +
          `version ${product.version}\n${product.description}\n` +
          `propagation of v${propagation.productVersion}: ${propagation.status}, ` +
          `${propagation.bundlesStale} bundle(s) stale`,
      );
    });
  });

  withActingOptions(products.command('create').description('Create a product (SKU unique per workspace)'))
    .requiredOption('--sku <sku>', 'stock keeping unit')
    .requiredOption('--name <name>', 'name')
    .requiredOption('--price <decimal>', 'exact price, e.g. 19.99')
    .requiredOption('--currency <code>', 'ISO 4217 code, e.g. EUR')
    .option('--description <text>', 'description')
    .option('--image-url <url>', 'http(s) image URL')
    .option('--status <status>', PRODUCT_STATUSES.join(' | '), 'active')
    .action(async (opts: ActingOpts & Record<string, string | undefined>) => {
      const input = {
        sku: parseSku(opts.sku!),
        name: opts.name!.trim(),
        price: parsePrice(opts.price!),
        currency: parseCurrency(opts.currency!),
        description: opts.description,
        imageUrl: opts.imageUrl === undefined ? undefined : parseImageUrl(opts.imageUrl),
        status: parseStatus(opts.status!),
      };
      if (input.name === '') throw new UsageError('--name must not be empty');
      await withCatalog(ctx, opts, async (svc, actor) => {
        const p = await svc.createProduct(actor, input);
        out(opts.json, p, `created product ${p.id} (${p.sku}), version ${p.version}`);
      });
    });

  withActingOptions(
    products
      .command('update <id>')
      .description('Change a product; bundles containing it are updated by a propagation job'),
  )
    .requiredOption('--expect-version <n>', 'the version you last saw (stale → PRODUCT_VERSION_CONFLICT)')
    .option('--sku <sku>', 'new SKU')
    .option('--name <name>', 'new name')
    .option('--price <decimal>', 'new price')
    .option('--currency <code>', 'new currency')
    .option('--description <text>', 'new description')
    .option('--image-url <url>', 'new image URL')
    .option('--clear-image', 'remove the image')
    .option('--status <status>', PRODUCT_STATUSES.join(' | '))
    .action(
      async (
        id: string,
        opts: ActingOpts & Record<string, string | undefined> & { clearImage?: boolean },
      ) => {
        if (opts.clearImage && opts.imageUrl !== undefined) {
          throw new UsageError('give --image-url or --clear-image, not both');
        }
        const expectedVersion = parsePositiveInt(opts.expectVersion!, '--expect-version', 999_999_999);
        const patch = {
          sku: opts.sku === undefined ? undefined : parseSku(opts.sku),
          name: opts.name?.trim(),
          price: opts.price === undefined ? undefined : parsePrice(opts.price),
          currency: opts.currency === undefined ? undefined : parseCurrency(opts.currency),
          description: opts.description,
          imageUrl: opts.clearImage
            ? null
            : opts.imageUrl === undefined
              ? undefined
              : parseImageUrl(opts.imageUrl),
          status: opts.status === undefined ? undefined : parseStatus(opts.status),
        };
        if (patch.name === '') throw new UsageError('--name must not be empty');
        if (Object.values(patch).every((v) => v === undefined)) {
          throw new UsageError('nothing to change: give at least one of the field options');
        }
        await withCatalog(ctx, opts, async (svc, actor) => {
          const p = await svc.updateProduct(actor, parseId(id), expectedVersion, patch);
          const same = p.version === expectedVersion ? ' (nothing changed)' : '';
          out(opts.json, p, `product ${p.id} (${p.sku}) is at version ${p.version}${same}`);
        });
      },
    );

  const bundles = program.command('bundles').description('Catalog bundles (products with quantities)');

  withActingOptions(bundles.command('list').description('List bundles in creation order'))
    .option('--product <id>', 'only bundles containing this product')
    .option('--limit <n>', 'page size, 1–500 (default 50)')
    .option('--after <cursor>', 'continue after a previous page (the hint printed after a full page)')
    .action(async (opts: ActingOpts & { product?: string; limit?: string; after?: string }) => {
      const limit = opts.limit === undefined ? 50 : parsePositiveInt(opts.limit, '--limit', 500);
      const productId = opts.product === undefined ? undefined : parseId(opts.product, '--product');
      const after = decodeBundleCursor(opts.after);
      await withCatalog(ctx, opts, async (svc, actor) => {
        const page = await svc.pageBundles(actor, { after, productId, limit });
        printRows(ctx.io, page.items, bundleRow, opts.json);
        hintNextPage(ctx.io, page.nextAfter ? encodeCursor(page.nextAfter) : null);
      });
    });

  withActingOptions(bundles.command('show <id>').description('A bundle with its product snapshot')).action(
    async (id: string, opts: ActingOpts) => {
      await withCatalog(ctx, opts, async (svc, actor) => {
        const b = await svc.getBundle(actor, parseId(id));
        out(opts.json, b, describeBundle(b));
      });
    },
  );

  withActingOptions(bundles.command('create').description('Create a bundle of products'))
    .requiredOption('--name <name>', 'name')
    .requiredOption('--item <productId[:qty]>', 'a product and its quantity (repeat for each)', collect)
    .option('--description <text>', 'description')
    .option('--body <markdown>', "the bundle's own content")
    .option('--body-file <path>', 'read the body from a file')
    .option('--image-url <url>', 'http(s) image URL')
    .action(
      async (
        opts: ActingOpts & {
          name: string;
          item: string[];
          description?: string;
          body?: string;
          bodyFile?: string;
          imageUrl?: string;
        },
      ) => {
        const items = opts.item.map(parseItem);
        const seen = new Set<string>();
        for (const i of items) {
          if (seen.has(i.productId)) throw new UsageError(`--item ${i.productId} is given twice`);
          seen.add(i.productId);
        }
        if (items.length > 200) throw new UsageError('a bundle holds at most 200 products');
        if (opts.name.trim() === '') throw new UsageError('--name must not be empty');
        const input = {
          name: opts.name.trim(),
          items,
          description: opts.description,
          body: opts.bodyFile !== undefined ? readFileSync(opts.bodyFile, 'utf8') : opts.body,
          imageUrl: opts.imageUrl === undefined ? undefined : parseImageUrl(opts.imageUrl),
        };
        await withCatalog(ctx, opts, async (svc, actor) => {
          const b = await svc.createBundle(actor, input);
          out(opts.json, b, `created bundle ${b.id} with ${b.items.length} product(s), version ${b.version}`);
        });
      },
    );
}

function decodeBundleCursor(value: string | undefined): { createdAt: string; id: string } | undefined {
  try {
    return decodeCursor(value, bundleCursorSchema);
  } catch {
    throw new UsageError(`--after must be the value printed after a previous page; got ${value}`);
  }
}
