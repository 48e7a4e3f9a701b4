/**
 * OpenAPI 3.1 generated from the zod route schemas (`/api/openapi.json`) and an interactive reference served from
 * local assets (`/api/docs`, no CDN).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { HttpApp } from './http-app.js';

export async function registerOpenApi(
  app: HttpApp,
  opts: { publicUrl: string; version: string },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: opts.version,
        description:
          'Self-hosted marketing integration and automation hub. Errors are `{ error: { code, message, details, ' +
          'request_id } }`. Lists use cursor pagination (`?cursor=&limit=` → `{ items, nextCursor }`). Unsafe POSTs ' +
          'accept an `Idempotency-Key` header. Cookie-authenticated unsafe requests need `X-CSRF-Token`.',
      },
      servers: [{ url: opts.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API token `sb_…`' },
          session: { type: 'apiKey', in: 'cookie', name: 'sb_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () =>
    app.swagger(),
  );

  // The UI plugin registers its own routes; they are public documentation.
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), public: true };
    });
    await scope.register(swaggerUi, {
      routePrefix: '/api/docs',
      uiConfig: { docExpansion: 'list', deepLinking: true },
      staticCSP: true,
      transformSpecificationClone: true,
    });
  });
}
