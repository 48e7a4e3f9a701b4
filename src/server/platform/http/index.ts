/**
 * http: the Fastify server and its cross-cutting conventions.
 *
 * Terminology:
 * - route module: a function `register<Area>Routes(app, deps)` adding routes with zod schemas and a `config` that
 *   names the policy action (or `public: true`).
 * - error body: `{ error: { code, message, details, request_id } }`, produced only by the error mapper.
 * - SSRF guard: outbound requests to user-supplied URLs refuse private, loopback and link-local addresses unless the
 *   caller's allow-list names the host.
 */
export type { HttpApp } from './http-app.js';
export { createHttpServer, type HttpServerOptions } from './server.js';
export { mapError, type ErrorBody } from './error-mapper.js';
export { registerOpenApi } from './openapi.js';
export { registerIdempotency, pruneIdempotencyKeys } from './idempotency.js';
export { registerHealthRoutes, databaseCheck, type ReadinessCheck } from './health.routes.js';
export { computeEtag, etagMatches } from './etag.js';
export { pageQuery, page, encodeCursor, decodeCursor } from './pagination.js';
export {
  OutboundTargetRefusedError,
  WebhookTargetRefusedError,
  WebhookTargetUnresolvableError,
  isWebhookTargetRefused,
  findOutboundRefusal,
  isBlockedAddress,
  normalizeHost,
  isHostAllowed,
  resolveWithDns,
  assertTargetAllowed,
  createGuardedLookup,
  guardedLookup,
  createGuardedAgents,
  createWebhookAgents,
  type ResolveHost,
  type RefuseTarget,
  type GuardedLookup,
  type GuardedAgents,
  type WebhookAgents,
} from './ssrf-guard.js';
