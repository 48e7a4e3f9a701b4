/**
 * The Marketo sandbox on its own, over real HTTP: identity, the gate's codes (600/601/602, 606, 615, 607), the
 * Marketo flavour of the kit's faults, spec validation, and the emulated objects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMarketoSandbox } from '../../../src/server/connectors/marketo/sandbox/index.js';
import type {
  MarketoSandbox,
  MarketoSandboxOptions,
} from '../../../src/server/connectors/marketo/sandbox/index.js';
import { TestClock } from '../../../src/server/platform/clock.js';

const specsDir = process.env['SWITCHBOARD_SPECS_DIR'];
let sandbox: MarketoSandbox | undefined;

async function start(opts: MarketoSandboxOptions = {}): Promise<MarketoSandbox> {
  sandbox = await startMarketoSandbox({ ...(specsDir ? { specsDir } : {}), ...opts });
  return sandbox;
}
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function token(sb: MarketoSandbox): Promise<string> {
  const { clientId, clientSecret } = sb.credentials;
  const res = await fetch(
    `${sb.url}/identity/oauth/token?grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`,
  );
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

type Envelope = {
  success: boolean;
  result?: Record<string, unknown>[];
  errors?: { code: string }[];
  nextPageToken?: string;
};
async function call(
  sb: MarketoSandbox,
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<[number, Envelope]> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const res = await fetch(`${sb.url}${path}`, { ...init, headers });
  return [res.status, (await res.json()) as Envelope];
}
const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const codeOf = (e: Envelope) => e.errors?.[0]?.code;

describe('Marketo sandbox', () => {
  it('issues tokens for good credentials and answers 401 for bad ones', async () => {
    const sb = await start();
    expect(await token(sb)).toMatch(/\S+/);
    const res = await fetch(
      `${sb.url}/identity/oauth/token?grant_type=client_credentials&client_id=x&client_secret=y`,
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('answers 600, 601 and 602 in HTTP 200 envelopes', async () => {
    const clock = new TestClock();
    const sb = await start({ clock, tokenTtlMs: 60_000 });
    expect(codeOf((await call(sb, '/rest/asset/v1/channels.json'))[1])).toBe('600');
    expect(codeOf((await call(sb, '/rest/asset/v1/channels.json', { token: 'nope' }))[1])).toBe('601');
    const t = await token(sb);
    const [status, ok] = await call(sb, '/rest/asset/v1/channels.json', { token: t });
    expect([status, ok.success]).toEqual([200, true]);
    clock.advance(60_001);
    const [expiredStatus, expired] = await call(sb, '/rest/asset/v1/channels.json', { token: t });
    expect([expiredStatus, codeOf(expired)]).toEqual([200, '602']);
  });

  it('answers 606 beyond 100 calls per window and records each as a violation', async () => {
    const clock = new TestClock();
    const sb = await start({ clock, rateLimit: { requests: 5, windowMs: 20_000 } });
    const t = await token(sb);
    for (let i = 0; i < 5; i += 1)
      expect((await call(sb, '/rest/asset/v1/channels.json', { token: t }))[1].success).toBe(true);
    expect(codeOf((await call(sb, '/rest/asset/v1/channels.json', { token: t }))[1])).toBe('606');
    expect(sb.limitViolations().rate).toBe(1);
    clock.advance(20_001);
    expect((await call(sb, '/rest/asset/v1/channels.json', { token: t }))[1].success).toBe(true);
  });

  it('answers 615 beyond the concurrency limit, and 607 once the daily quota is spent', async () => {
    const sb = await start({ concurrency: 2, latencyMs: 50, dailyQuota: 4 });
    const t = await token(sb);
    const results = await Promise.all(
      [1, 2, 3].map(() => call(sb, '/rest/asset/v1/channels.json', { token: t })),
    );
    expect(results.map(([, e]) => codeOf(e) ?? 'ok').sort()).toEqual(['615', 'ok', 'ok']);
    expect(sb.limitViolations().concurrency).toBe(1);
    await call(sb, '/rest/asset/v1/channels.json', { token: t });
    await call(sb, '/rest/asset/v1/channels.json', { token: t });
    expect(codeOf((await call(sb, '/rest/asset/v1/channels.json', { token: t }))[1])).toBe('607');
    expect(sb.quotaRejections()).toBe(1);
  });

  it('plays the kit faults the Marketo way', async () => {
    const sb = await start();
    const t = await token(sb);
    sb.faults.inject({ kind: 'rate_limit', times: 1 });
    sb.faults.inject({ kind: 'rate_limit', times: 1, policyName: '607' });
    sb.faults.inject({ kind: 'server_error', times: 1, status: 503 });
    const first = await call(sb, '/rest/asset/v1/channels.json', { token: t });
    expect([first[0], codeOf(first[1])]).toEqual([200, '606']);
    expect(codeOf((await call(sb, '/rest/asset/v1/channels.json', { token: t }))[1])).toBe('607');
    const third = await call(sb, '/rest/asset/v1/channels.json', { token: t });
    expect([third[0], codeOf(third[1])]).toEqual([503, '611']);
    sb.faults.inject({ kind: 'expire_tokens' });
    expect(codeOf((await call(sb, '/rest/asset/v1/channels.json', { token: t }))[1])).toBe('602');
    // Injected faults are the sandbox's doing, not the client's: no violations.
    expect(sb.violations()).toBe(0);
  });

  it('rejects non-conforming requests with 400 and records them', async (ctx) => {
    const sb = await start();
    if (!sb.validating) return ctx.skip('../shared/specs/marketo is absent: requests are not validated');
    const t = await token(sb);
    const [status, body] = await call(sb, '/rest/asset/v1/programs.json', {
      ...form({ name: 'x', colour: 'red' }),
      token: t,
    });
    expect(status).toBe(400);
    expect(codeOf(body)).toBe('SPEC_VIOLATION');
    const [, list] = await call(sb, '/rest/asset/v1/programs.json?maxReturn=many', { token: t });
    expect(codeOf(list)).toBe('SPEC_VIOLATION');
    expect(sb.specViolations().map((v) => v.operation)).toEqual([
      'asset.programs.create',
      'asset.programs.browse',
    ]);
    expect(sb.violations()).toBe(2);
  });

  it('runs without validation, and says so, when the spec is absent', async () => {
    const notices: string[] = [];
    const sb = await start({ specsDir: '/nonexistent/specs', onNotice: (m) => notices.push(m) });
    expect(sb.validating).toBe(false);
    expect(notices[0]).toMatch(/Marketo spec not found.*not validated/);
    const t = await token(sb);
    const [status] = await call(sb, '/rest/asset/v1/programs.json?maxReturn=many', { token: t });
    expect(status).toBe(200);
    expect(sb.specViolations()).toEqual([]);
  });

  it('creates programs with unique names, finds them by name, and pages static list members', async () => {
    const sb = await start({ leads: 650 });
    const t = await token(sb);
    const fields = {
      name: 'Launch',
      folder: JSON.stringify({ id: 33, type: 'Folder' }),
      type: 'Event',
      channel: 'Webinar',
      costs: JSON.stringify([{ startDate: '2026-01-01T00:00:00.000Z', cost: 500 }]),
    };
    const [, created] = await call(sb, '/rest/asset/v1/programs.json', { ...form(fields), token: t });
    expect(created.result?.[0]).toMatchObject({ name: 'Launch', channel: 'Webinar', costs: [{ cost: 500 }] });
    expect(codeOf((await call(sb, '/rest/asset/v1/programs.json', { ...form(fields), token: t }))[1])).toBe(
      '709',
    );
    expect(
      codeOf(
        (
          await call(sb, '/rest/asset/v1/programs.json', {
            ...form({ ...fields, name: 'B', type: 'Default' }),
            token: t,
          })
        )[1],
      ),
    ).toBe('1003');
    const [, byName] = await call(sb, '/rest/asset/v1/program/byName.json?name=launch', { token: t });
    expect(byName.result?.[0]?.['id']).toBe(created.result?.[0]?.['id']);

    const seen: unknown[] = [];
    let next: string | undefined;
    do {
      const [, page]: [number, Envelope] = await call(
        sb,
        `/rest/v1/lists/1001/leads.json?batchSize=300${next ? `&nextPageToken=${next}` : ''}`,
        { token: t },
      );
      seen.push(...(page.result ?? []));
      next = page.nextPageToken;
    } while (next);
    expect(seen).toHaveLength(650);
    expect(codeOf((await call(sb, '/rest/v1/lists/9/leads.json', { token: t }))[1])).toBe('1013');
    expect(sb.violations()).toBe(0);
  });
});
