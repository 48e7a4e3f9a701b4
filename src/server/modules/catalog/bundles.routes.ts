/** `/api/v1/bundles`: thin endpoints over the bundle use cases. GETs carry strong ETags (If-None-Match → 304). */
import { z } from 'zod';
import { decodeCursor, encodeCursor, page, pageQuery, type HttpApp } from '../../platform/http/index.js';
import type { CatalogContext } from './catalog.context.js';
import { bundleSchema, ifMatchHeaders, readExpectedVersion, toBundleBody } from './catalog.http.js';
import { createBundle, deleteBundle, getBundle, pageBundles, updateBundle } from './bundles.service.js';

const TAGS = ['catalog'];
const idParams = z.object({ id: z.uuid() });
const cursorSchema = z.object({ createdAt: z.string(), id: z.string() });

const itemsSchema = z
  .array(z.object({ productId: z.uuid(), quantity: z.number().int().min(1).max(100_000) }).strict())
  .min(1)
  .max(200)
  .describe('Products in the bundle, each once, in display order');

const bundleFields = {
  name: z.string().trim().min(1).max(300),
  description: z.string().max(20_000).optional(),
  body: z.string().max(200_000).optional().describe('The bundle\u2019s own content (Markdown)'),
  imageUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullable()
    .optional(),
  items: itemsSchema,
};

export function registerBundleRoutes(app: HttpApp, ctx: CatalogContext): void {
  app.post(
    '/api/v1/bundles',
    {
      config: { action: 'catalog.write' },
      schema: {
        tags: TAGS,
        summary: 'Create a bundle of products (422 BUNDLE_PRODUCT_UNKNOWN for products not in the workspace)',
        body: z.object(bundleFields).strict(),
        response: { 201: bundleSchema },
      },
    },
    async (request, reply) => {
      const bundle = await createBundle(ctx, request.actor, request.body);
      return reply.code(201).send(toBundleBody(bundle));
    },
  );

  app.get(
    '/api/v1/bundles',
    {
      config: { action: 'catalog.read' },
      schema: {
        tags: TAGS,
        summary: 'List bundles in creation order, optionally only those containing a product',
        querystring: pageQuery.extend({ productId: z.uuid().optional() }),
        response: { 200: page(bundleSchema) },
      },
    },
    async (request) => {
      const { cursor, limit, productId } = request.query;
      const result = await pageBundles(ctx, request.actor, {
        after: decodeCursor(cursor, cursorSchema),
        productId,
        limit,
      });
      return {
        items: result.items.map(toBundleBody),
        nextCursor: result.nextAfter === null ? null : encodeCursor(result.nextAfter),
      };
    },
  );

  app.get(
    '/api/v1/bundles/:id',
    {
      config: { action: 'catalog.read' },
      schema: {
        tags: TAGS,
        summary: 'Get a bundle with its product snapshot and staleness (strong ETag; If-None-Match → 304)',
        params: idParams,
        response: { 200: bundleSchema },
      },
    },
    async (request) => toBundleBody(await getBundle(ctx, request.actor, request.params.id)),
  );

  app.patch(
    '/api/v1/bundles/:id',
    {
      config: { action: 'catalog.write' },
      schema: {
        tags: TAGS,
        summary: 'Change a bundle (If-Match: "<version>"); new items replace the product set',
        description: 'A stale If-Match gets 409 BUNDLE_VERSION_CONFLICT with the current version.',
        params: idParams,
        headers: ifMatchHeaders,
        body: z
          .object({
            name: bundleFields.name.optional(),
            description: bundleFields.description,
            body: bundleFields.body,
            imageUrl: bundleFields.imageUrl,
            items: itemsSchema.optional(),
          })
          .strict(),
        response: { 200: bundleSchema },
      },
    },
    async (request) => {
      const expected = readExpectedVersion(request);
      return toBundleBody(await updateBundle(ctx, request.actor, request.params.id, expected, request.body));
    },
  );

  app.delete(
    '/api/v1/bundles/:id',
    {
      config: { action: 'catalog.delete' },
      schema: {
        tags: TAGS,
        summary: 'Delete a bundle (If-Match)',
        params: idParams,
        headers: ifMatchHeaders,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteBundle(ctx, request.actor, request.params.id, readExpectedVersion(request));
      return reply.code(204).send(null);
    },
  );
}
