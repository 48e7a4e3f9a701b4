/**
 * Starts a vendor sandbox: a Fastify server on 127.0.0.1 (port 0 by default) with the shared fault injection, request
 * log and control endpoints, into which the vendor registers its emulated API.
 *
 * Control endpoints (never logged, never faulted, never rate limited):
 * - `POST /__sandbox/faults`: arm one fault (`{ kind, times?, operation?, route?, status?, retryAfterSeconds?,
 *   policyName? }`) or several (`{ faults: [...] }`) → 201 `{ faults }`;
 * - `DELETE /__sandbox/faults`: disarm all (and restore tokens revoked by `expire_tokens`) → 204;
 * - `GET /__sandbox/state`: armed faults, request counters, rate-limit violations and the vendor's state summary;
 * - `DELETE /__sandbox/log`: forget the request log → 204.
 *
 * A vendor route declares its operation in its config (`config: { operation: 'cms.posts.create' }`); faults match on it.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';
import type { ActiveFault, FaultKind } from './fault-controller.js';
import { FaultController, FaultInjectionError, POST_EFFECT_FAULTS } from './fault-controller.js';
import type { RequestLogEntry } from './request-log.js';
import { RequestLog } from './request-log.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Sandbox routes: the vendor operation this route emulates (`cms.posts.create`); faults match on it. */
    operation?: string;
  }
}

export const SANDBOX_CONTROL_PREFIX = '/__sandbox';

/** What the kit hands to a vendor when it registers its routes. */
export interface SandboxKit {
  clock: Clock;
  faults: FaultController;
  log: RequestLog;
  /** The log entry of a request (to record the caller, for instance). */
  entryOf(request: FastifyRequest): RequestLogEntry | undefined;
  /** The public base URL, known once listening (empty before). */
  baseUrl(): string;
}

/** One vendor emulator plugged into the kit. */
export interface SandboxVendor {
  /** `hubspot`, `marketo`. */
  name: string;
  register(app: FastifyInstance, kit: SandboxKit): void | Promise<void>;
  /** Answers a `rate_limit` or `server_error` fault the vendor's way (status, headers, error body). */
  sendFault(
    kind: 'rate_limit' | 'server_error',
    fault: ActiveFault,
    request: FastifyRequest,
    reply: FastifyReply,
  ): FastifyReply;
  /** `expire_tokens`: every token issued so far becomes invalid. */
  expireTokens(): void;
  /** Undoes revocations of non-expiring tokens (called when all faults are cleared). */
  restoreTokens?(): void;
  /** Rate-limit violations so far (requests beyond the documented limit). */
  violations(): number;
  /** A JSON summary of the emulated state for `GET /__sandbox/state`. */
  describeState?(): Record<string, unknown>;
}

export interface StartSandboxOptions {
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  clock?: Clock;
  /** Largest request body accepted, bytes (default 64 MiB, above every vendor's upload limit). */
  bodyLimit?: number;
}

export interface SandboxServer {
  name: string;
  /** `http://127.0.0.1:<port>`: use as the connection's base URL. */
  url: string;
  port: number;
  app: FastifyInstance;
  faults: FaultController;
  log: RequestLog;
  violations(): number;
  state(): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startSandboxServer(
  vendor: SandboxVendor,
  opts: StartSandboxOptions = {},
): Promise<SandboxServer> {
  const clock = opts.clock ?? systemClock;
  const nowIso = (): string => clock.now().toISOString();
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    bodyLimit: opts.bodyLimit ?? 64 * 1024 * 1024,
  });
  const faults = new FaultController(
    { expireTokens: () => vendor.expireTokens(), restoreTokens: () => vendor.restoreTokens?.() },
    nowIso,
  );
  const log = new RequestLog(nowIso);
  const entries = new WeakMap<FastifyRequest, RequestLogEntry>();
  const postEffect = new WeakMap<FastifyRequest, ActiveFault>();
  let baseUrl = '';

  registerBodyParsers(app);

  app.addHook('onRequest', async (request, reply) => {
    if (isControl(request)) return;
    const operation = request.routeOptions.config?.operation;
    const entry = log.record({ method: request.method, path: pathOf(request), operation });
    entries.set(request, entry);
    const fault = faults.take({
      method: request.method,
      route: request.routeOptions.url ?? pathOf(request),
      operation,
    });
    if (!fault) return;
    entry.fault = fault.spec.kind;
    if (POST_EFFECT_FAULTS.includes(fault.spec.kind)) {
      postEffect.set(request, fault);
      return;
    }
    if (fault.spec.kind === 'hang') {
      // Never answer: the client's timeout decides. forceCloseConnections destroys the socket on close().
      reply.hijack();
      return;
    }
    const kind: 'rate_limit' | 'server_error' =
      fault.spec.kind === 'rate_limit' ? 'rate_limit' : 'server_error';
    return vendor.sendFault(kind, fault, request, reply);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const entry = entries.get(request);
    if (entry) entry.status = reply.statusCode;
    const fault = postEffect.get(request);
    if (!fault) return payload;
    if (fault.spec.kind === 'lose_response') {
      // The effect is done; the client never hears about it.
      request.raw.socket.destroy();
      return payload;
    }
    void reply.header('content-type', 'application/json; charset=utf-8');
    return truncateJson(payload);
  });

  app.addHook('onResponse', async (request, reply) => {
    const entry = entries.get(request);
    if (entry && entry.status === undefined) entry.status = reply.statusCode;
  });

  const kit: SandboxKit = {
    clock,
    faults,
    log,
    entryOf: (request) => entries.get(request),
    baseUrl: () => baseUrl,
  };
  registerControlRoutes(app, vendor, faults, log);
  await vendor.register(app, kit);

  const address = await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const port = Number(new URL(address).port);
  baseUrl = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  return {
    name: vendor.name,
    url: baseUrl,
    port,
    app,
    faults,
    log,
    violations: () => vendor.violations(),
    state: () => describeSandbox(vendor, faults, log),
    close: () => app.close(),
  };
}

function registerBodyParsers(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  // Multipart bodies stay raw; vendors parse them with `parseMultipart`.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
}

function registerControlRoutes(
  app: FastifyInstance,
  vendor: SandboxVendor,
  faults: FaultController,
  log: RequestLog,
): void {
  app.post(`${SANDBOX_CONTROL_PREFIX}/faults`, async (request, reply) => {
    const body = request.body as { faults?: unknown } | undefined;
    const specs: unknown[] = body && Array.isArray(body.faults) ? body.faults : [body];
    try {
      const armed = specs.map((s) => faults.inject(s));
      return reply.code(201).send({ faults: armed });
    } catch (e) {
      if (e instanceof FaultInjectionError) return reply.code(400).send({ code: e.code, message: e.message });
      throw e;
    }
  });
  app.delete(`${SANDBOX_CONTROL_PREFIX}/faults`, async (_request, reply) => {
    faults.clear();
    return reply.code(204).send();
  });
  app.get(`${SANDBOX_CONTROL_PREFIX}/state`, async () => describeSandbox(vendor, faults, log));
  app.delete(`${SANDBOX_CONTROL_PREFIX}/log`, async (_request, reply) => {
    log.clear();
    return reply.code(204).send();
  });
}

function describeSandbox(
  vendor: SandboxVendor,
  faults: FaultController,
  log: RequestLog,
): Record<string, unknown> {
  return {
    vendor: vendor.name,
    faults: faults.list(),
    injected: faults.injected().length,
    counters: log.counters(),
    requests: log.count(),
    violations: vendor.violations(),
    state: vendor.describeState?.() ?? {},
  };
}

function isControl(request: FastifyRequest): boolean {
  return request.url.startsWith(SANDBOX_CONTROL_PREFIX);
}

function pathOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q === -1 ? request.url : request.url.slice(0, q);
}

/** Cuts a JSON payload mid-way so it no longer parses (always at least an unterminated object). */
export function truncateJson(payload: unknown): string {
  const text =
    typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
  if (text.length < 4) return '{"status":';
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}

/** Parses a raw multipart body (kept raw by the kit's parser) into a FormData, with the platform's parser. */
export async function parseMultipart(request: FastifyRequest): Promise<FormData> {
  const contentType = request.headers['content-type'] ?? '';
  const body = request.body;
  if (!Buffer.isBuffer(body) || !contentType.startsWith('multipart/form-data')) {
    throw new TypeError('not a multipart/form-data body');
  }
  return new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
}

/** The kinds answered before any effect, for vendors that want to list them. */
export type PreEffectFault = Exclude<FaultKind, 'malformed_json' | 'lose_response' | 'expire_tokens'>;
