/**
 * http: the Fastify server and its cross-cutting conventions.
 *
 * Terminology:
 * - route module: a function `register<Area>Routes(app, deps)` adding routes with zod schemas and a `config` that
 *   names the policy action (or `public: true`).
 * - error body: `{ error: { code, message, details, request_id } }`, produced only by the error mapper.
 */
export type { HttpApp } from './http-app.js';
export { createHttpServer, type HttpServerOptions } from './server.js';
export { mapError, type ErrorBody } from './error-mapper.js';
export { registerOpenApi } from './openapi.js';
export { registerIdempotency, pruneIdempotencyKeys } from './idempotency.js';
export { registerHealthRoutes, databaseCheck, type ReadinessCheck } from './health.routes.js';
export { computeEtag, etagMatches } from './etag.js';
export { pageQuery, page, encodeCursor, decodeCursor } from './pagination.js';
