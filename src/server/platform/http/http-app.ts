/**
 * The Fastify instance type every route module receives, and the per-route `config` every route declares.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Action } from '../auth/policy.js';

export type HttpApp = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The policy action this route performs; the auth hook authorizes it before the handler. */
    action?: Action;
    /** No authentication at all (health, login, docs). Every route sets `action` or `public`. */
    public?: boolean;
    /** Set false to opt a GET route out of automatic ETags (e.g. streaming). */
    etag?: boolean;
  }
}
