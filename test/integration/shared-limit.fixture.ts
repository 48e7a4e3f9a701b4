/**
 * Helpers for the shared rate limit tests (ADR 0010), used in-process (`connector-shared-limit.test.ts`) and by the
 * worker processes of `test/multiprocess/shared-rate-limit.test.ts`: a Marketo connection row and the connections
 * module's `ConnectionRuntimes` on a given database handle — the same wiring a worker process uses.
 */
import { createMarketoConnector } from '../../src/server/connectors/marketo/index.js';
import type { RateLimitPolicy } from '../../src/server/connectors/index.js';
import { systemClock } from '../../src/server/platform/clock.js';
import { SecretBox } from '../../src/server/platform/crypto/index.js';
import type { Db } from '../../src/server/platform/db/index.js';
import { appendEvent } from '../../src/server/platform/events/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createMetricsRegistry } from '../../src/server/platform/metrics.js';
import {
  ConnectionRuntimes,
  type ConnectionHandle,
} from '../../src/server/modules/connections/connection-runtime.js';
import {
  findConnectionById,
  insertConnection,
  type Connection,
} from '../../src/server/modules/connections/connections.repo.js';

/** One key for every process of a test (the tests' SecretBox). */
export const TEST_SECRET_KEY = Buffer.alloc(32, 9);
export const testSecrets = (): SecretBox => new SecretBox(TEST_SECRET_KEY);

export const MARKETO_CONFIG = { programFolderId: 33, emailTemplateId: 1, defaultChannel: 'Content' };

/** Inserts a Marketo connection pointing at a sandbox, with its budget overridden to `rateLimit`. */
export async function insertMarketoConnection(
  db: Db,
  args: {
    workspaceId: string;
    name: string;
    baseUrl: string;
    credentials: Record<string, unknown>;
    rateLimit: RateLimitPolicy;
  },
): Promise<Connection> {
  const c = await insertConnection(
    db.kysely,
    args.workspaceId,
    {
      vendor: 'marketo',
      name: args.name,
      baseUrl: args.baseUrl,
      config: MARKETO_CONFIG,
      credentialsCipher: testSecrets().encrypt(JSON.stringify(args.credentials)),
      sandbox: true,
      envDefault: false,
      rateLimit: args.rateLimit,
      createdBy: null,
    },
    systemClock.now(),
  );
  if (!c) throw new Error(`connection ${args.name} exists already`);
  return c;
}

/** A process's view of one connection: its own `ConnectionRuntimes` on its own database handle. */
export async function openMarketoConnection(
  db: Db,
  connectionId: string,
  opts: { shared: boolean; rateLimit: RateLimitPolicy; leaseMs?: number },
): Promise<ConnectionHandle> {
  const runtimes = new ConnectionRuntimes({
    db: db.kysely,
    clock: systemClock,
    logger: silentLogger(),
    metrics: createMetricsRegistry(),
    secrets: testSecrets(),
    events: { append: (executor, input) => appendEvent(executor, input) },
    runtimeOptions: {
      timeoutMs: 5_000,
      // A 606 (the control case) must not hold the test for a whole window.
      maxRateLimitWaitMs: 3_000,
      retry: { maxAttempts: 1 },
      breaker: { consecutiveFailures: 1_000, halfOpenAfterMs: 1_000 },
    },
    sharedRateLimits: opts.shared,
    ...(opts.leaseMs !== undefined ? { sharedRateLimitOptions: { leaseMs: opts.leaseMs } } : {}),
  });
  const connection = await findConnectionById(db.kysely, connectionId);
  if (!connection) throw new Error(`no connection ${connectionId}`);
  // The connector's own window (how long a 606 waits) matches the scaled-down budget.
  return runtimes.open(connection, createMarketoConnector({ rateLimit: opts.rateLimit }));
}

export interface HammerResult {
  ok: number;
  failed: string[];
  elapsedMs: number;
}

/** `calls` concurrent `testConnection` calls (one REST call each) through a connection's runtime. */
export async function hammer(handle: ConnectionHandle, calls: number): Promise<HammerResult> {
  const started = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: calls }, () => handle.client.testConnection()),
  );
  const failed = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => String(r.reason));
  return { ok: calls - failed.length, failed, elapsedMs: performance.now() - started };
}
