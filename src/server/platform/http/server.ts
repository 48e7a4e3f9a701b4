/**
 * Builds the Fastify server with the cross-cutting pieces every route relies on: request ids, zod validation and
 * serialization, the error mapper, 404s, ETags, HTTP metrics and OpenAPI. Routes and auth are registered by the
 * composition root afterwards.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from '../logger.js';
import type { Registry } from '../metrics.js';
import { mapError } from './error-mapper.js';
import { registerEtags } from './etag.js';
import type { HttpApp } from './http-app.js';
import { registerHttpMetrics } from './http-metrics.js';

export interface HttpServerOptions {
  logger: Logger;
  metrics: Registry;
  bodyLimitBytes: number;
  trustProxy: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createHttpServer(opts: HttpServerOptions): HttpApp {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimitBytes,
    trustProxy: opts.trustProxy,
    // Our own onResponse hook logs one line per request; Fastify's per-request lines are off.
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.addHook('onResponse', async (request, reply) => {
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    request.log[level](
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });

  app.setErrorHandler((err, request, reply) => {
    const mapped = mapError(err, request.id);
    if (mapped.unexpected) request.log.error({ err }, 'unexpected error');
    for (const [k, v] of Object.entries(mapped.headers ?? {})) reply.header(k, v);
    return reply.code(mapped.status).type('application/json; charset=utf-8').send(mapped.body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: `No route ${request.method} ${request.url.split('?')[0]}`,
        request_id: request.id,
      },
    }),
  );

  registerHttpMetrics(app, opts.metrics);
  registerEtags(app);
  return app;
}
