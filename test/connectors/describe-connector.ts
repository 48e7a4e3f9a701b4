/**
 * `describeConnector`: the contract suite every connector runs against its sandbox, over real HTTP on 127.0.0.1,
 * through the real SDK runtime (`createConnectorRuntime`: limiter, breaker, retries, token store).
 *
 * It covers: auth with good and bad credentials; every capability the manifest lists; pagination (listContacts walks
 * every cursor); rate limiting (a burst above the vendor's window leaves the sandbox with zero violations); and each
 * injected fault mapped to the right `ConnectorError.kind` — 429 + Retry-After, 5xx, a hang (timeout), malformed JSON,
 * expired tokens, and "succeeded but the response was lost" reconciled with `findByIdempotencyMarker`.
 *
 * Usage (in `test/connectors/<vendor>/<vendor>-contract.test.ts`):
 *   describeConnector({ connector, startSandbox: async () => ({ ... }), samples: { ... } });
 * The sandbox and the connector must agree on the rate limit (start the sandbox with a short window and build the
 * connector with the same policy), or the burst test takes the vendor's real window.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import {
  createConnectorRuntime,
  createRateLimiter,
  isConnectorError,
  noopConnectorMetrics,
} from '../../src/server/connectors/index.js';
import type {
  AssetPayload,
  Capability,
  ConnectorError,
  ConnectorErrorKind,
  Connector,
  ConnectorClient,
  ConnectorRuntime,
  ContentPayload,
  RateLimiter,
  StoredToken,
} from '../../src/server/connectors/index.js';
import type { CountFilter, FaultSpec } from '../../src/server/connectors/sandbox-kit/index.js';

/** What a vendor's sandbox exposes to the suite (the sandbox kit's `SandboxServer` maps onto it directly). */
export interface ContractSandbox {
  baseUrl: string;
  /** Credentials the sandbox accepts. */
  credentials: Record<string, unknown>;
  /** Credentials the sandbox rejects (wrong token / client secret). */
  badCredentials: Record<string, unknown>;
  /** A token to start with, for `oauth2_pkce` connectors (access + refresh token from the sandbox's grant). */
  storedToken?: StoredToken;
  /** Non-secret connection config (e.g. a blog id). */
  config?: Record<string, unknown>;
  faults: { inject(spec: FaultSpec): unknown; clear(): void };
  /** Requests the sandbox received for an operation (all when omitted), optionally filtered. */
  count(operation?: string, filter?: CountFilter): number;
  /** Requests that arrived beyond the documented rate/concurrency limit. */
  violations(): number;
  close(): Promise<void>;
}

export interface ConnectorSamples {
  /** Content the connector can publish (a fresh one per call, so slugs/names do not collide). */
  content?: () => ContentPayload;
  asset?: () => AssetPayload;
  /** Inputs for `listContacts` that reach seeded contacts, and how many unique contacts walking all pages must find. */
  listContacts?: { input: { listId?: string; limit?: number }; minContacts: number };
  /** Sandbox operation names the fault tests target. */
  operations: {
    /** The GET `testConnection` calls. */
    read: string;
    /**
     * The call whose success completes the effect of `publishContent` (or `uploadAsset`): the create for a one-call
     * effect, the LAST step of a multi-step one (Marketo: the email approval). Faults on it hit the effect; once it
     * succeeded, `findByIdempotencyMarker` must find the effect.
     */
    create: string;
    /** The token request, for connectors that fetch tokens (client credentials, OAuth). */
    token?: string;
  };
  /** Which effect the create faults exercise (default `publishContent`). */
  effect?: 'publishContent' | 'uploadAsset';
  /** Requests in the rate-limit burst (default 1.5 × the manifest's window). */
  burst?: number;
  /** Per-attempt timeout used by the suite (default 800 ms): the hang tests wait this long. */
  timeoutMs?: number;
}

export interface DescribeConnectorArgs {
  connector: Connector;
  startSandbox(): Promise<ContractSandbox>;
  samples: ConnectorSamples;
}

/** Capabilities that are client methods in `ConnectorClient`. */
const CLIENT_CAPABILITIES: readonly Capability[] = [
  'testConnection',
  'publishContent',
  'unpublishContent',
  'createCampaign',
  'uploadAsset',
  'listContacts',
  'findByIdempotencyMarker',
];

export function describeConnector(args: DescribeConnectorArgs): void {
  const { connector, samples } = args;
  const manifest = connector.manifest;
  const has = (c: Capability): boolean => manifest.capabilities.includes(c);
  const effect = samples.effect ?? 'publishContent';

  describe(`connector contract: ${manifest.id}`, () => {
    let sb: ContractSandbox;
    let limiter: RateLimiter;
    let main: ConnectorRuntime;
    const reauth: string[] = [];

    /** Runtimes share one limiter: the vendor counts requests per account, whichever runtime sends them. */
    function makeRuntime(credentials: Record<string, unknown>, reasons: string[] = reauth): ConnectorRuntime {
      let stored: StoredToken | null = manifest.authKind === 'oauth2_pkce' ? (sb.storedToken ?? null) : null;
      return createConnectorRuntime({
        connector,
        connection: {
          id: `conn-${manifest.id}-${randomUUID()}`,
          workspaceId: 'ws-contract',
          baseUrl: sb.baseUrl,
          config: sb.config ?? {},
          sandbox: true,
        },
        credentials,
        tokenPersistence: {
          load: () => Promise.resolve(stored),
          save: (t) => {
            stored = t;
            return Promise.resolve();
          },
          markNeedsReauth: (reason) => {
            reasons.push(reason);
            return Promise.resolve();
          },
        },
        clock: systemClock,
        logger: silentLogger(),
        metrics: noopConnectorMetrics,
        options: {
          timeoutMs: samples.timeoutMs ?? 800,
          retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 3_000 },
          // Faults are injected on purpose here; the breaker has its own tests.
          breaker: { consecutiveFailures: 1_000, halfOpenAfterMs: 1_000 },
          limiter,
        },
      });
    }

    beforeAll(async () => {
      sb = await args.startSandbox();
      limiter = createRateLimiter({ policy: manifest.rateLimit, clock: systemClock, maxWaitMs: 60_000 });
      main = makeRuntime(sb.credentials);
    });
    afterEach(() => sb.faults.clear());
    afterAll(async () => {
      await sb?.close();
    });

    const effectOf = (client: ConnectorClient, marker: string) => {
      if (effect === 'uploadAsset') {
        if (!client.uploadAsset || !samples.asset) throw new Error('uploadAsset needs samples.asset');
        return client.uploadAsset({ idempotencyMarker: marker, asset: samples.asset() });
      }
      if (!client.publishContent || !samples.content) throw new Error('publishContent needs samples.content');
      return client.publishContent({ idempotencyMarker: marker, content: samples.content() });
    };
    const runEffect = () => {
      const marker = `sb-contract-${randomUUID()}`;
      const content = samples.content?.();
      const promise =
        effect === 'publishContent' && content && main.client.publishContent
          ? main.client.publishContent({ idempotencyMarker: marker, content })
          : effectOf(main.client, marker);
      return { marker, content, promise };
    };
    const findMarker = (marker: string, content: ContentPayload | undefined) =>
      main.client.findByIdempotencyMarker?.({ action: effect, marker, ...(content ? { content } : {}) });

    describe('manifest and auth', () => {
      it('the client implements every client capability the manifest lists', () => {
        expect(manifest.capabilities).toContain('testConnection');
        for (const cap of manifest.capabilities.filter((c) => CLIENT_CAPABILITIES.includes(c))) {
          expect(typeof (main.client as unknown as Record<string, unknown>)[cap], cap).toBe('function');
        }
      });

      it('testConnection succeeds with good credentials', async () => {
        const res = await main.client.testConnection();
        expect(res.ok).toBe(true);
        expect(main.breakerState()).toBe('closed');
      });

      it('bad credentials are auth_expired and mark the connection for re-authorisation', async () => {
        const reasons: string[] = [];
        const bad = makeRuntime(sb.badCredentials, reasons);
        const kind = await kindOf(bad.client.testConnection());
        expect(kind).toBe('auth_expired');
        if (manifest.authKind !== 'oauth2_pkce') expect(reasons.length).toBeGreaterThanOrEqual(1);
      });
    });

    describe('capabilities', () => {
      it.runIf(has('publishContent') && samples.content)('publishContent creates an object', async () => {
        const before = sb.count(samples.operations.create, OK);
        const ref = await main.client.publishContent!({
          idempotencyMarker: `sb-${randomUUID()}`,
          content: samples.content!(),
        });
        expect(ref.externalId).toBeTruthy();
        expect(sb.count(samples.operations.create, OK)).toBeGreaterThan(before);
      });

      it.runIf(has('unpublishContent') && samples.content)('unpublishContent undoes a publish', async () => {
        const content = samples.content!();
        const ref = await main.client.publishContent!({ idempotencyMarker: `sb-${randomUUID()}`, content });
        const undone = await main.client.unpublishContent!({
          idempotencyMarker: `sb-${randomUUID()}`,
          externalId: ref.externalId,
          content,
        });
        expect(undone.externalId).toBe(ref.externalId);
      });

      it.runIf(has('createCampaign') && samples.content)('createCampaign creates a campaign', async () => {
        const ref = await main.client.createCampaign!({
          idempotencyMarker: `sb-${randomUUID()}`,
          name: `Contract campaign ${randomUUID().slice(0, 8)}`,
          description: 'created by the contract suite',
          content: samples.content!(),
        });
        expect(ref.externalId).toBeTruthy();
      });

      it.runIf(has('uploadAsset') && samples.asset)(
        'uploadAsset stores a file and returns its URL',
        async () => {
          const ref = await main.client.uploadAsset!({
            idempotencyMarker: `sb-${randomUUID()}`,
            asset: samples.asset!(),
          });
          expect(ref.externalId).toBeTruthy();
          expect(ref.url).toBeTruthy();
        },
      );

      it.runIf(has('listContacts') && samples.listContacts)(
        'listContacts walks every cursor without repeats',
        async () => {
          const { input, minContacts } = samples.listContacts!;
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await main.client.listContacts!({
              ...input,
              ...(cursor !== undefined ? { cursor } : {}),
            });
            seen.push(...page.contacts.map((c) => c.externalId));
            cursor = page.nextCursor;
            pages += 1;
          } while (cursor !== undefined && pages < 1_000);
          expect(cursor).toBeUndefined();
          expect(pages).toBeGreaterThan(1);
          expect(new Set(seen).size).toBe(seen.length);
          expect(seen.length).toBeGreaterThanOrEqual(minContacts);
        },
      );

      it.runIf(has('findByIdempotencyMarker'))(
        'findByIdempotencyMarker finds an effect by its marker, and nothing for an unknown one',
        async () => {
          const { marker, content, promise } = runEffect();
          const ref = await promise;
          const found = await findMarker(marker, content);
          expect(found?.externalId).toBe(ref.externalId);
          const missing = await findMarker(`sb-never-${randomUUID()}`, samples.content?.());
          expect(missing ?? null).toBeNull();
        },
      );
    });

    describe('faults', () => {
      it('429 with Retry-After on a read: retried after the wait, then succeeds', async () => {
        sb.faults.inject({
          kind: 'rate_limit',
          operation: samples.operations.read,
          times: 1,
          retryAfterSeconds: 1,
        });
        expect((await main.client.testConnection()).ok).toBe(true);
        expect(sb.count(samples.operations.read, { fault: 'rate_limit' })).toBeGreaterThanOrEqual(1);
      });

      it('429 with Retry-After on an effect: rate_limited (nothing created), then the next attempt succeeds', async () => {
        const before = sb.count(samples.operations.create, OK);
        sb.faults.inject({
          kind: 'rate_limit',
          operation: samples.operations.create,
          times: 1,
          retryAfterSeconds: 1,
        });
        const first = await settle(runEffect().promise);
        if (!first.ok) {
          expect(first.error.kind).toBe('rate_limited');
          expect(first.error.retryAfterMs).toBeGreaterThan(0);
          await runEffect().promise;
        }
        expect(sb.count(samples.operations.create, { fault: 'rate_limit' })).toBeGreaterThanOrEqual(1);
        expect(sb.count(samples.operations.create, OK)).toBe(before + 1);
      });

      it('5xx: retryable on an effect; a read retries through it', async () => {
        sb.faults.inject({
          kind: 'server_error',
          operation: samples.operations.create,
          times: 1,
          status: 503,
        });
        const first = await settle(runEffect().promise);
        if (!first.ok) expect(first.error.kind).toBe('retryable');
        sb.faults.inject({ kind: 'server_error', operation: samples.operations.read, times: 1, status: 502 });
        expect((await main.client.testConnection()).ok).toBe(true);
        sb.faults.inject({ kind: 'server_error', operation: samples.operations.read });
        expect(await kindOf(main.client.testConnection())).toBe('retryable');
      });

      it('hang: unknown_outcome on an effect, retryable on a read', async () => {
        sb.faults.inject({ kind: 'hang', operation: samples.operations.create, times: 1 });
        const { marker, content, promise } = runEffect();
        expect(await kindOf(promise)).toBe('unknown_outcome');
        // The vendor never ran the handler: reconciliation finds nothing.
        if (has('findByIdempotencyMarker')) expect((await findMarker(marker, content)) ?? null).toBeNull();
        sb.faults.inject({ kind: 'hang', operation: samples.operations.read });
        expect(await kindOf(main.client.testConnection())).toBe('retryable');
      });

      it('malformed JSON: unknown_outcome on an effect (which did happen), a read retries through it', async () => {
        sb.faults.inject({ kind: 'malformed_json', operation: samples.operations.create, times: 1 });
        const { marker, content, promise } = runEffect();
        expect(await kindOf(promise)).toBe('unknown_outcome');
        if (has('findByIdempotencyMarker'))
          expect((await findMarker(marker, content))?.externalId).toBeTruthy();
        sb.faults.inject({ kind: 'malformed_json', operation: samples.operations.read, times: 1 });
        expect((await main.client.testConnection()).ok).toBe(true);
      });

      it('response lost after the effect: unknown_outcome, then findByIdempotencyMarker reconciles it', async () => {
        const before = sb.count(samples.operations.create, { succeeded: true });
        sb.faults.inject({ kind: 'lose_response', operation: samples.operations.create, times: 1 });
        const { marker, content, promise } = runEffect();
        expect(await kindOf(promise)).toBe('unknown_outcome');
        expect(sb.count(samples.operations.create, { succeeded: true })).toBe(before + 1);
        if (has('findByIdempotencyMarker')) {
          const found = await findMarker(marker, content);
          expect(found?.externalId).toBeTruthy();
        }
      });

      it('expired tokens: refreshed then success (or auth_expired for a non-refreshable API key)', async () => {
        const reasons: string[] = [];
        const rt = makeRuntime(sb.credentials, reasons);
        expect((await rt.client.testConnection()).ok).toBe(true);
        const tokenCalls = samples.operations.token ? sb.count(samples.operations.token) : 0;
        sb.faults.inject({ kind: 'expire_tokens' });
        if (manifest.authKind === 'api_key') {
          expect(await kindOf(rt.client.testConnection())).toBe('auth_expired');
          expect(reasons).toHaveLength(1);
        } else {
          expect((await rt.client.testConnection()).ok).toBe(true);
          if (samples.operations.token) expect(sb.count(samples.operations.token)).toBe(tokenCalls + 1);
          expect(reasons).toHaveLength(0);
        }
      });
    });

    describe('rate limiting', () => {
      it('a burst above the vendor window waits instead of violating it', async () => {
        const burst = samples.burst ?? Math.ceil(manifest.rateLimit.requests * 1.5);
        const results = await Promise.allSettled(
          Array.from({ length: burst }, () => main.client.testConnection()),
        );
        const failed = results.filter((r) => r.status === 'rejected');
        expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
        expect(sb.violations()).toBe(0);
        expect(main.budget().waitedMs).toBeGreaterThan(0);
      }, 120_000);

      it('no test in this suite caused a rate-limit violation', () => {
        expect(sb.violations()).toBe(0);
      });
    });
  });
}

/** Requests answered 2xx with no fault (vendors such as Marketo answer their errors with HTTP 200 too). */
const OK: CountFilter = { succeeded: true, fault: 'none' };

type Settled<T> = { ok: true; value: T } | { ok: false; error: ConnectorError };

async function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    if (isConnectorError(e)) return { ok: false, error: e };
    throw e;
  }
}

/** The ConnectorError kind a call fails with; fails the test if it succeeds or throws something else. */
async function kindOf(p: Promise<unknown>): Promise<ConnectorErrorKind> {
  const r = await settle(p);
  if (r.ok) throw new Error('expected the call to fail with a ConnectorError, it succeeded');
  return r.error.kind;
}
