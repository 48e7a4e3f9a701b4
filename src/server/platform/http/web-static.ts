/**
 * Serves the built web app (dist/web, made by `npm run build:web`) at `/`:
 * - `/assets/*`: content-hashed files, cached for a year (`immutable`);
 * - any other GET outside `/api/`: a file from the build root when one exists (favicon), else `index.html`, so the
 *   client-side router owns every app path (SPA fallback). `index.html` is `no-cache`, so a new build shows at once.
 * Unknown `/api/…` paths keep the API's JSON 404. Without a build the app paths answer 404 WEB_APP_NOT_BUILT with the
 * command to run, and the API is unaffected. Every route here is public: the app's own API calls are authorized.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { HttpApp } from './http-app.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Where the build is: `dist/web` beside the compiled server (dist/server/platform/http → dist/web) or, when the
 * server runs from source, the repository's dist/web.
 */
export function findWebRoot(): string | null {
  // From source, `here/../../../web` is src/web (the unbuilt sources), so only a `dist/web` folder counts.
  const candidates = [join(here, '..', '..', '..', 'web'), join(here, '..', '..', '..', '..', 'dist', 'web')];
  return (
    candidates.find((dir) => basename(dirname(dir)) === 'dist' && existsSync(join(dir, 'index.html'))) ?? null
  );
}

function isFileInside(root: string, urlPath: string): string | null {
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  if (rel === '' || rel.split(sep).includes('..')) return null;
  const abs = join(root, rel);
  try {
    return statSync(abs).isFile() ? rel : null;
  } catch {
    return null;
  }
}

export async function registerWebStatic(app: HttpApp, opts: { root?: string | null } = {}): Promise<void> {
  const root = opts.root === undefined ? findWebRoot() : opts.root;
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), public: true };
    });
    if (root) {
      await scope.register(fastifyStatic, {
        root,
        prefix: '/',
        serve: false,
        decorateReply: true,
        preCompressed: false,
      });
    }

    scope.get('/', { schema: { hide: true } }, async (_request, reply) => sendApp(reply, root, '/'));
    scope.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (path === '/api' || path.startsWith('/api/')) {
        return reply.code(404).send({
          error: { code: 'ROUTE_NOT_FOUND', message: `No route GET ${path}`, request_id: request.id },
        });
      }
      return sendApp(reply, root, path);
    });
  });
}

async function sendApp(reply: FastifyReply, root: string | null, path: string): Promise<unknown> {
  if (!root) {
    return reply.code(404).send({
      error: {
        code: 'WEB_APP_NOT_BUILT',
        message: 'The web app is not built; run `npm run build:web` (or `npm run build`)',
        request_id: reply.request.id,
      },
    });
  }
  const file = isFileInside(root, path);
  if (file && file !== 'index.html') {
    const hashed = file.startsWith(`assets${sep}`);
    return reply.sendFile(file, root, {
      maxAge: hashed ? 365 * 24 * 3600 * 1000 : 0,
      immutable: hashed,
      cacheControl: true,
    });
  }
  if (path.startsWith('/assets/')) {
    return reply.code(404).send({
      error: { code: 'ASSET_NOT_FOUND', message: `No asset ${path}`, request_id: reply.request.id },
    });
  }
  reply.header('cache-control', 'no-cache');
  return reply.sendFile('index.html', root, { cacheControl: false });
}
