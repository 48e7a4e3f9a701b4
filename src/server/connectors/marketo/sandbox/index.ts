/**
 * The Marketo sandbox: a stateful emulator of the identity, Asset and lead-database APIs on 127.0.0.1, built on the
 * sandbox kit (faults, request log, control endpoints). Every request to `/identity` and `/rest` is validated against
 * Marketo's official Swagger files in `../shared/specs/marketo` (or `specsDir`); without them it runs unvalidated and
 * says so. Marketo flavour of the kit's faults: `rate_limit` answers HTTP 200 with code 606 (or 607 / 615 by
 * `policyName`), `server_error` a 5xx with code 611, `expire_tokens` expires every token (602 on next use).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../../platform/clock.js';
import { loadSwaggerValidator, resolveSpecsDir } from '../../sandbox-kit/openapi-validator.js';
import type { OpenApiValidator, SpecViolation } from '../../sandbox-kit/openapi-validator.js';
import { ConcurrencyTracker, RateWindowTracker, startSandboxServer } from '../../sandbox-kit/index.js';
import type { SandboxServer, StartSandboxOptions } from '../../sandbox-kit/index.js';
import { installGate } from './marketo-gate.js';
import type { Gate } from './marketo-gate.js';
import { MarketoStore, seedMarketo, sendError } from './marketo-store.js';
import { registerEmailRoutes } from './email.routes.js';
import { registerFileAndLeadRoutes } from './files-leads.routes.js';
import { registerIdentityRoutes } from './identity.routes.js';
import type { SandboxClient } from './identity.routes.js';
import { registerProgramRoutes } from './program.routes.js';

export const MARKETO_SPEC_FILES = [
  'swagger-identity.json',
  'swagger-asset.json',
  'swagger-mapi.json',
] as const;

export interface MarketoSandboxOptions extends StartSandboxOptions {
  /** Accepted client credentials (default one pair: `sandbox-client-id` / `sandbox-client-secret`). */
  clients?: SandboxClient[];
  /** Access-token lifetime (Marketo: 3600 s). */
  tokenTtlMs?: number;
  /** Rolling window (Marketo: 100 calls per 20 s). */
  rateLimit?: { requests: number; windowMs: number };
  /** Concurrent calls (Marketo: 10). */
  concurrency?: number;
  /** Calls per US-Central day (Marketo default subscription: 50,000). */
  dailyQuota?: number;
  /** Artificial handler latency in ms (default 0), so tests can observe concurrency. */
  latencyMs?: number;
  /** Directory holding `marketo/swagger-*.json`; default `resolveSpecsDir()`. `null` disables validation. */
  specsDir?: string | null;
  /** Leads seeded into the static lists (default 650: three pages of the Newsletter list). */
  leads?: number;
  /** Told when the sandbox runs without spec validation. */
  onNotice?: (message: string) => void;
}

export interface MarketoSandbox extends SandboxServer {
  store: MarketoStore;
  /** The default client credentials. */
  credentials: { clientId: string; clientSecret: string };
  /** True when requests are validated against the official spec. */
  validating: boolean;
  /** Requests that did not conform to the spec (each also answered with HTTP 400). */
  specViolations(): readonly SpecViolation[];
  /** Rate (606) and concurrency (615) violations, separately. */
  limitViolations(): { rate: number; concurrency: number; peakConcurrency: number };
  /** Requests refused with 607 (quota spent, not a violation). */
  quotaRejections(): number;
}

/** Loads the Marketo spec validator, or undefined (with the reason) when the spec files are absent. */
export function loadMarketoValidator(specsDir?: string | null): {
  validator?: OpenApiValidator;
  reason?: string;
} {
  if (specsDir === null) return { reason: 'spec validation disabled' };
  const dir = specsDir ?? resolveSpecsDir();
  const files = dir ? MARKETO_SPEC_FILES.map((f) => join(dir, 'marketo', f)) : [];
  if (!dir || files.some((f) => !existsSync(f))) {
    return {
      reason: `Marketo spec not found${dir ? ` in ${join(dir, 'marketo')}` : ''}: requests are not validated`,
    };
  }
  return { validator: loadSwaggerValidator(files, { globalQueryParams: ['_method'] }) };
}

export async function startMarketoSandbox(opts: MarketoSandboxOptions = {}): Promise<MarketoSandbox> {
  const clock = opts.clock ?? systemClock;
  const clients = opts.clients ?? [{ clientId: 'sandbox-client-id', clientSecret: 'sandbox-client-secret' }];
  const store = new MarketoStore();
  seedMarketo(store, { leads: opts.leads ?? 650, nowIso: clock.now().toISOString() });
  const rate = new RateWindowTracker({
    limit: opts.rateLimit?.requests ?? 100,
    windowMs: opts.rateLimit?.windowMs ?? 20_000,
    clock,
  });
  const concurrency = new ConcurrencyTracker(opts.concurrency ?? 10);
  const { validator, reason } = loadMarketoValidator(opts.specsDir);
  if (reason) opts.onNotice?.(reason);
  let gate: Gate | undefined;

  const server = await startSandboxServer(
    {
      name: 'marketo',
      register(app, kit) {
        gate = installGate(app, {
          store,
          clock,
          validator,
          rate,
          concurrency,
          dailyQuota: opts.dailyQuota ?? 50_000,
          latencyMs: opts.latencyMs ?? 0,
        });
        const deps = { store, clock, baseUrl: kit.baseUrl };
        registerIdentityRoutes(app, { store, clock, clients, ttlMs: opts.tokenTtlMs ?? 3_600_000 });
        registerProgramRoutes(app, deps);
        registerEmailRoutes(app, deps);
        registerFileAndLeadRoutes(app, deps);
      },
      sendFault(kind, fault, _request, reply) {
        if (kind === 'server_error') return sendError(reply, '611', 'System error', fault.spec.status ?? 500);
        const code =
          fault.spec.policyName === '607' || fault.spec.policyName === '615' ? fault.spec.policyName : '606';
        const message =
          code === '607'
            ? 'Daily quota reached'
            : code === '615'
              ? 'Concurrent access limit reached'
              : `Max rate limit '${rate.limit}' exceeded with in '${rate.windowMs / 1000}' secs`;
        return sendError(reply, code, message);
      },
      expireTokens: () => store.expireAll(clock.nowMs()),
      violations: () => rate.violations() + concurrency.violations() + (gate?.specViolations.length ?? 0),
      describeState: () => ({ ...store.summary(), validating: validator !== undefined }),
    },
    opts,
  );
  const first = clients[0] ?? { clientId: '', clientSecret: '' };
  return {
    ...server,
    store,
    credentials: { clientId: first.clientId, clientSecret: first.clientSecret },
    validating: validator !== undefined,
    specViolations: () => gate?.specViolations ?? [],
    limitViolations: () => ({
      rate: rate.violations(),
      concurrency: concurrency.violations(),
      peakConcurrency: concurrency.peak(),
    }),
    quotaRejections: () => gate?.quotaRejections() ?? 0,
  };
}

export { MarketoStore } from './marketo-store.js';
export type { SandboxClient } from './identity.routes.js';
