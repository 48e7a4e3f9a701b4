/**
 * `/health` (liveness: cheap, no I/O), `/ready` (the DB answers, migrations are current, and — on worker nodes —
 * the worker heartbeat is fresh) and `/metrics` (Prometheus text).
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/index.js';
import type { Registry } from '../metrics.js';
import type { HttpApp } from './http-app.js';

export interface ReadinessCheck {
  name: string;
  /** Returns details on success; throws (or returns ok:false) on failure. */
  run(): Promise<{ ok: boolean; detail?: string }>;
}

export interface HealthDeps {
  db: Db;
  metrics: Registry;
  checks: ReadinessCheck[];
  /** Static facts shown in /ready (e.g. database kind, durability note, roles). */
  info: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

const checkResult = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string().optional(),
  ms: z.number(),
});
const readyBody = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.array(checkResult),
  info: z.record(z.string(), z.unknown()),
});

export function databaseCheck(db: Db): ReadinessCheck {
  return {
    name: 'database',
    run: async () => {
      await sql`SELECT 1`.execute(db.kysely);
      return { ok: true, detail: db.kind };
    },
  };
}

export function registerHealthRoutes(app: HttpApp, deps: HealthDeps): void {
  app.get(
    '/health',
    {
      config: { public: true, etag: false },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { public: true, etag: false },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: database, migrations and (on worker nodes) worker heartbeat',
        response: { 200: readyBody, 503: readyBody },
      },
    },
    async (_request, reply) => {
      const checks = await Promise.all(
        deps.checks.map(async (c) => {
          const started = performance.now();
          try {
            const r = await withTimeout(c.run(), 2000);
            return {
              name: c.name,
              ok: r.ok,
              ...(r.detail ? { detail: r.detail } : {}),
              ms: elapsed(started),
            };
          } catch (e) {
            return { name: c.name, ok: false, detail: (e as Error).message, ms: elapsed(started) };
          }
        }),
      );
      const ok = checks.every((c) => c.ok);
      const info = await Promise.resolve(deps.info()).catch((e: unknown) => ({
        error: (e as Error).message,
      }));
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks, info });
    },
  );

  app.get(
    '/metrics',
    {
      config: { public: true, etag: false },
      schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: true },
    },
    async (_request, reply) => {
      const text = await deps.metrics.metrics();
      return reply.type(deps.metrics.contentType).send(text);
    },
  );
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
