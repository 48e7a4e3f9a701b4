/** `/api/v1/products`: thin endpoints over the product use cases, plus the propagation status of product changes. */
import { z } from 'zod';
import { decodeCursor, encodeCursor, page, pageQuery, type HttpApp } from '../../platform/http/index.js';
import type { CatalogContext } from './catalog.context.js';
import {
  ifMatchHeaders,
  priceSchema,
  productSchema,
  propagationSchema,
  readExpectedVersion,
  toProductBody,
  toPropagationBody,
} from './catalog.http.js';
import { PRODUCT_STATUSES, PROPAGATION_STATUSES } from './catalog.tables.js';
import {
  createProduct,
  deleteProduct,
  getProduct,
  getPropagationStatus,
  pageProducts,
  updateProduct,
} from './products.service.js';

const TAGS = ['catalog'];
const idParams = z.object({ id: z.uuid() });
const cursorSchema = z.object({ sku: z.string() });

const productFields = {
  sku: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash, underscore; up to 64'),
  name: z.string().trim().min(1).max(300),
  description: z.string().max(20_000).optional(),
  price: priceSchema,
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code such as EUR'),
  imageUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullable()
    .optional(),
  status: z.enum(PRODUCT_STATUSES).optional(),
};

export function registerProductRoutes(app: HttpApp, ctx: CatalogContext): void {
  app.post(
    '/api/v1/products',
    {
      config: { action: 'catalog.write' },
      schema: {
        tags: TAGS,
        summary: 'Create a product (SKU unique per workspace: 409 PRODUCT_SKU_TAKEN)',
        body: z.object(productFields).strict(),
        response: { 201: productSchema },
      },
    },
    async (request, reply) => {
      const product = await createProduct(ctx, request.actor, request.body);
      return reply.code(201).send(toProductBody(product));
    },
  );

  app.get(
    '/api/v1/products',
    {
      config: { action: 'catalog.read' },
      schema: {
        tags: TAGS,
        summary: 'List products by SKU',
        querystring: pageQuery.extend({ status: z.enum(PRODUCT_STATUSES).optional() }),
        response: { 200: page(productSchema) },
      },
    },
    async (request) => {
      const { cursor, limit, status } = request.query;
      const result = await pageProducts(ctx, request.actor, {
        status,
        afterSku: decodeCursor(cursor, cursorSchema)?.sku,
        limit,
      });
      return {
        items: result.items.map(toProductBody),
        nextCursor: result.nextAfterSku === null ? null : encodeCursor({ sku: result.nextAfterSku }),
      };
    },
  );

  app.get(
    '/api/v1/products/:id',
    {
      config: { action: 'catalog.read' },
      schema: {
        tags: TAGS,
        summary: 'Get a product (strong ETag; If-None-Match → 304)',
        params: idParams,
        response: { 200: productSchema },
      },
    },
    async (request) => toProductBody(await getProduct(ctx, request.actor, request.params.id)),
  );

  app.patch(
    '/api/v1/products/:id',
    {
      config: { action: 'catalog.write' },
      schema: {
        tags: TAGS,
        summary: 'Change a product (If-Match: "<version>"); changes propagate to bundles by a job',
        description:
          'A stale If-Match gets 409 PRODUCT_VERSION_CONFLICT with the current version and changes nothing. ' +
          'Setting status to discontinued emits product.discontinued and marks bundles containing it not ' +
          'publishable. Follow the propagation at GET /api/v1/products/{id}/propagation.',
        params: idParams,
        headers: ifMatchHeaders,
        body: z
          .object({
            sku: productFields.sku.optional(),
            name: productFields.name.optional(),
            description: productFields.description,
            price: priceSchema.optional(),
            currency: productFields.currency.optional(),
            imageUrl: productFields.imageUrl,
            status: productFields.status,
          })
          .strict(),
        response: { 200: productSchema },
      },
    },
    async (request) => {
      const expected = readExpectedVersion(request);
      const product = await updateProduct(ctx, request.actor, request.params.id, expected, request.body);
      return toProductBody(product);
    },
  );

  app.delete(
    '/api/v1/products/:id',
    {
      config: { action: 'catalog.delete' },
      schema: {
        tags: TAGS,
        summary: 'Delete a product no bundle or content uses (If-Match); otherwise 409 PRODUCT_IN_USE',
        params: idParams,
        headers: ifMatchHeaders,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteProduct(ctx, request.actor, request.params.id, readExpectedVersion(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/products/:id/propagation',
    {
      config: { action: 'catalog.read' },
      schema: {
        tags: TAGS,
        summary:
          'Propagation status of the product\u2019s changes into bundles (pending, running, done; counts)',
        params: idParams,
        response: {
          200: z.object({
            productId: z.string(),
            productVersion: z.number().int(),
            status: z.enum(PROPAGATION_STATUSES).describe('Of the newest change'),
            bundlesStale: z.number().int().describe('Bundles whose snapshot is behind the current version'),
            changes: z.array(propagationSchema).describe('Newest first, up to 20'),
          }),
        },
      },
    },
    async (request) => {
      const view = await getPropagationStatus(ctx, request.actor, request.params.id);
      return { ...view, changes: view.changes.map(toPropagationBody) };
    },
  );
}
