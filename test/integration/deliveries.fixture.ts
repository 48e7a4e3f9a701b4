/**
 * Ledger test fixture: the whole app with api + worker roles started (worker, event consumers), a seeded workspace,
 * HTTP helpers, and the vendor sandboxes over real HTTP on 127.0.0.1. Time is the wall clock: the sandboxes, the
 * breaker and the limiter run in real time, so the queue must see the same time.
 */
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { TestClock } from '../../src/server/platform/clock.js';
import type { WorkspaceRole } from '../../src/server/platform/db/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';

/** A TestClock that follows the wall clock (real-time tests: sandboxes, breaker, rate limiter). */
export class WallClock extends TestClock {
  override now(): Date {
    return new Date();
  }
  override nowMs(): number {
    return Date.now();
  }
}

export interface LedgerApp {
  t: TestApp;
  ws: SeededWorkspace;
  call(
    role: WorkspaceRole,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Fast retries and a short half-open delay, so chaos scenarios finish in seconds. */
export const FAST_LEDGER_ENV: Record<string, string> = {
  SWITCHBOARD_WORKER_HEARTBEAT_MS: '500',
  SWITCHBOARD_BREAKER_HALF_OPEN_MS: '400',
  SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '50',
  SWITCHBOARD_CONNECTOR_TIMEOUT_MS: '1500',
};

export async function createLedgerApp(
  opts: { env?: Record<string, string>; start?: boolean } = {},
): Promise<LedgerApp> {
  const t = await createTestApp({
    roles: ['api', 'worker'],
    clock: new WallClock(),
    env: { ...FAST_LEDGER_ENV, ...opts.env },
  });
  const ws = await seedWorkspace(t.db, t.clock, 'ledger');
  if (opts.start ?? true) await t.sb.start({ port: 0 });
  return {
    t,
    ws,
    call: (role, method, url, body) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${ws.tokens[role]}` },
        ...(body !== undefined ? { payload: body as object } : {}),
      }),
    close: () => t.close(),
  };
}

/** Polls `probe` until it returns a value (not undefined/false) or the time runs out. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function createConnection(
  app: LedgerApp,
  body: Record<string, unknown>,
): Promise<{ id: string; [k: string]: unknown }> {
  const res = await app.call('admin', 'POST', '/api/v1/connections', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** The connection body that reaches a running HubSpot sandbox with its private-app token. */
export function hubspotSandboxConnection(hubspot: { url: string; blogId: string; privateAppToken: string }) {
  return {
    vendor: 'hubspot',
    name: 'HubSpot sandbox',
    baseUrl: hubspot.url,
    sandbox: true,
    config: { blogId: hubspot.blogId },
    credentials: { accessToken: hubspot.privateAppToken },
  };
}

export async function createPost(
  app: LedgerApp,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; version: number }> {
  const res = await app.call('editor', 'POST', '/api/v1/content', {
    type: 'blog_post',
    title: 'Spring launch',
    slug: `spring-${Math.random().toString(36).slice(2, 10)}`,
    body: 'We launch on **Monday**. Read more at https://example.com/spring.',
    tags: ['launch'],
    ...extra,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** submit (editor) → approve (reviewer) → publish (publisher). */
export async function approveAndPublish(app: LedgerApp, id: string): Promise<void> {
  for (const [role, action] of [
    ['editor', 'submit'],
    ['reviewer', 'approve'],
    ['publisher', 'publish'],
  ] as const) {
    const item = (await app.call('viewer', 'GET', `/api/v1/content/${id}`)).json() as { version: number };
    const res = await app.call(role, 'POST', `/api/v1/content/${id}/transitions`, {
      action,
      expectedVersion: item.version,
    });
    expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
  }
}
