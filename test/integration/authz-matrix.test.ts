/**
 * The authorization matrix (DESIGN §7): every registered route × every role and an anonymous caller.
 * - anonymous → 401 on every non-public route (never 401 on public ones);
 * - role R → 403 exactly when `can(R, action)` is false; anything else (2xx, 400 validation, 404) is "allowed".
 * The table below is explicit: a route missing from it (or a stale row) fails the test, so every new route gets a
 * reviewed policy entry.
 *
 * It walks the full app from `createTestApp()` once main.ts registers the auth hook; until then, an app built the
 * same way from the auth area plus sample routes that cover the other kernel actions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../src/server/platform/clock.js';
import { WORKSPACE_ROLES, type Db } from '../../src/server/platform/db/index.js';
import type { HttpApp } from '../../src/server/platform/http/index.js';
import { can, listPolicyRoutes, systemActor, type Action } from '../../src/server/platform/auth/index.js';
import { createTestApp } from '../support/test-app.js';
import { CATALOG_ROUTES, CONTENT_ROUTES, KERNEL_ROUTES, REVIEW_ROUTES, type Policy } from './authz/index.js';
import { WEB_ROUTES } from './authz/index.js';
import { WEBHOOK_ROUTES } from './authz/index.js';
import { CONNECTION_ROUTES, DELIVERY_ROUTES } from './authz/index.js';
import { createAuthTestApp, seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';

/** `METHOD path` → the action the route must declare. Keep sorted by path. */
/** The expected policy of every route, one file per area (each area owns its rows). */
const EXPECTED: Record<string, Policy> = {
  ...KERNEL_ROUTES,
  ...CONTENT_ROUTES,
  ...REVIEW_ROUTES,
  ...CATALOG_ROUTES,
  ...WEB_ROUTES,
  ...WEBHOOK_ROUTES,
  ...CONNECTION_ROUTES,
  ...DELIVERY_ROUTES,
};

/** Routes of the interactive API docs (a third-party plugin): all public. */
const PUBLIC_PREFIXES = ['/api/docs'];

/** Routes that answer with a never-ending stream: checked over real HTTP, reading only the status. */
const STREAMING = new Set(['GET /api/v1/events/stream']);

let baseUrl: string | null = null;
async function sendStreaming(
  url: string,
  headers: Record<string, string>,
): Promise<{ statusCode: number; body: string }> {
  baseUrl ??= await target.app.listen({ port: 0, host: '127.0.0.1' });
  const abort = new AbortController();
  const res = await fetch(baseUrl + url, { headers, signal: abort.signal });
  const body = res.ok ? '' : await res.text();
  abort.abort();
  return { statusCode: res.status, body };
}

interface Target {
  app: HttpApp;
  db: Db;
  expected: Record<string, Policy>;
  close(): Promise<void>;
  source: string;
}

async function buildTarget(clock: TestClock): Promise<Target> {
  const full = await createTestApp({ clock });
  if (!listPolicyRoutes(full.app))
    throw new Error('the full app registers no auth hook: the matrix would prove nothing');
  return { app: full.app, db: full.db, expected: EXPECTED, close: full.close, source: 'createTestApp' };
}

const clock = new TestClock('2026-03-01T00:00:00Z');
let target: Target;
let ws: SeededWorkspace;

beforeAll(async () => {
  target = await buildTarget(clock);
  ws = await seedWorkspace(target.db, clock, 'matrix');
});
afterAll(() => target?.close());

function concreteUrl(url: string): string {
  return url.replace(/:[A-Za-z_]+/g, '00000000-0000-4000-8000-000000000001').replace(/\*/g, 'x');
}

describe(`authorization matrix`, () => {
  it('every route has an entry in the table, and every entry a route', () => {
    const routes = listPolicyRoutes(target.app)!;
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const r of routes) {
      for (const method of [r.method].flat()) {
        if (method === 'HEAD') continue;
        const key = `${method} ${r.url}`;
        seen.add(key);
        const config = (r.config ?? {}) as { public?: boolean; action?: string };
        const declared = config.public === true ? 'public' : config.action;
        if (PUBLIC_PREFIXES.some((p) => r.url.startsWith(p))) {
          if (declared !== 'public') problems.push(`${key}: docs route must be public`);
          continue;
        }
        const expected = target.expected[key];
        if (expected === undefined) problems.push(`${key}: not in the matrix table (declares ${declared})`);
        else if (expected !== declared)
          problems.push(`${key}: table says ${expected}, route declares ${declared}`);
      }
    }
    for (const key of Object.keys(target.expected))
      if (!seen.has(key)) problems.push(`${key}: in the table but no such route`);
    expect(problems, `matrix built on ${target.source}`).toEqual([]);
  });

  it('anonymous → 401 on non-public routes; role → 403 exactly when the policy refuses', async () => {
    const problems: string[] = [];
    let requests = 0;
    for (const r of listPolicyRoutes(target.app)!) {
      for (const method of [r.method].flat()) {
        if (method === 'HEAD' || PUBLIC_PREFIXES.some((p) => r.url.startsWith(p))) continue;
        const key = `${method} ${r.url}`;
        const policy = target.expected[key];
        if (policy === undefined) continue; // reported by the table test
        const send = async (
          headers: Record<string, string>,
        ): Promise<{ statusCode: number; body: string }> => {
          requests++;
          if (STREAMING.has(key)) return sendStreaming(concreteUrl(r.url), headers);
          return target.app.inject({
            method: method as 'GET',
            url: concreteUrl(r.url),
            headers,
            ...(['POST', 'PUT', 'PATCH'].includes(method) ? { payload: {} } : {}),
          });
        };
        const anon = await send({});
        if (policy === 'public') {
          if (anon.statusCode === 401 || anon.statusCode === 403)
            problems.push(`${key} anonymous: public route answered ${anon.statusCode}`);
          continue;
        }
        if (anon.statusCode !== 401) problems.push(`${key} anonymous: expected 401, got ${anon.statusCode}`);
        for (const role of WORKSPACE_ROLES) {
          const res = await send({ authorization: `Bearer ${ws.tokens[role]}` });
          const allowed = can({ ...systemActor(ws.workspaceId), role }, policy);
          const forbidden = res.statusCode === 403;
          if (res.statusCode === 401) problems.push(`${key} ${role}: 401 with a valid token`);
          else if (allowed === forbidden) {
            problems.push(
              `${key} ${role}: expected ${allowed ? 'allowed' : '403'}, got ${res.statusCode} ${res.body.slice(0, 120)}`,
            );
          }
        }
      }
    }
    expect(problems, `matrix built on ${target.source}`).toEqual([]);
    expect(requests).toBeGreaterThan(50);
  });

  it('an app with a route lacking config.action/public (or naming an unknown action) fails at startup', async () => {
    await expect(
      createAuthTestApp({ clock, routes: (app) => app.get('/api/v1/unguarded', async () => ({})) }),
    ).rejects.toThrow(/GET \/api\/v1\/unguarded/);
    await expect(
      createAuthTestApp({
        clock,
        routes: (app) =>
          app.get('/api/v1/typo', { config: { action: 'jobs.raed' as Action } }, async () => ({})),
      }),
    ).rejects.toThrow(/without config.action/);
  });
});
