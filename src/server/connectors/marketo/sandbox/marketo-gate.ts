/**
 * What every Marketo sandbox request passes before its handler, in Marketo's order:
 * 1. spec validation (when the official spec is loaded): a non-conforming request gets HTTP 400 and is recorded as a
 *    spec violation, so tests fail on any request our client should not have sent;
 * 2. REST only: the Bearer token (600 missing, 601 unknown, 602 expired);
 * 3. REST only: 615 beyond 10 concurrent calls, 606 beyond 100 calls per 20 s (both recorded as violations: a
 *    well-behaved client never causes them), 607 beyond the daily quota (not a violation: quotas are spent honestly).
 * Calls answered with an error count against neither the window nor the quota, as Marketo documents.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Clock } from '../../../platform/clock.js';
import type { OpenApiValidator, SpecViolation } from '../../sandbox-kit/openapi-validator.js';
import { parseMultipart } from '../../sandbox-kit/index.js';
import type { ConcurrencyTracker, RateWindowTracker } from '../../sandbox-kit/index.js';
import { MARKETO_QUOTA_ZONE } from '../manifest.js';
import type { MarketoStore } from './marketo-store.js';
import { requestId, sendError } from './marketo-store.js';

export interface GateOptions {
  store: MarketoStore;
  clock: Clock;
  validator: OpenApiValidator | undefined;
  rate: RateWindowTracker;
  concurrency: ConcurrencyTracker;
  dailyQuota: number;
  /** Artificial handler latency, so concurrency is observable in tests. */
  latencyMs: number;
}

export interface Gate {
  specViolations: SpecViolation[];
  quotaRejections(): number;
}

const multipartForms = new WeakMap<FastifyRequest, FormData>();

/** The parsed multipart body of a request (parsed once by the gate). */
export async function formDataOf(request: FastifyRequest): Promise<FormData> {
  const cached = multipartForms.get(request);
  if (cached) return cached;
  const form = await parseMultipart(request);
  multipartForms.set(request, form);
  return form;
}

export function installGate(app: FastifyInstance, opts: GateOptions): Gate {
  const specViolations: SpecViolation[] = [];
  const daily = new Map<string, number>();
  let quotaRejections = 0;
  const INSTANCE = 'instance';

  app.addHook('preHandler', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const isRest = path.startsWith('/rest/');
    if (!isRest && !path.startsWith('/identity/')) return;

    if (opts.validator) {
      const errors = await validate(request, path, opts.validator);
      if (errors.length > 0) {
        const violation = {
          method: request.method,
          path,
          operation: request.routeOptions.config?.operation ?? 'unrouted',
          errors,
        };
        specViolations.push(violation);
        return reply.code(400).send({
          requestId: requestId(),
          success: false,
          errors: [{ code: 'SPEC_VIOLATION', message: errors.join('; ') }],
          warnings: [],
        });
      }
    }
    if (!isRest) return;

    const auth = request.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    if (!token) return sendError(reply, '600', 'Access token not specified');
    const known = opts.store.tokens.get(token);
    if (!known) return sendError(reply, '601', 'Access token invalid');
    if (known.expiresAtMs <= opts.clock.nowMs()) return sendError(reply, '602', 'Access token expired');

    const slot = opts.concurrency.enter(INSTANCE);
    reply.raw.once('close', () => opts.concurrency.leave(INSTANCE));
    if (!slot.allowed) return sendError(reply, '615', 'Concurrent access limit reached');
    const window = opts.rate.hit(INSTANCE);
    if (!window.allowed) {
      return sendError(
        reply,
        '606',
        `Max rate limit '${opts.rate.limit}' exceeded with in '${opts.rate.windowMs / 1000}' secs`,
      );
    }
    const day = DateTime.fromMillis(opts.clock.nowMs(), { zone: MARKETO_QUOTA_ZONE }).toISODate() ?? '';
    const used = (daily.get(day) ?? 0) + 1;
    if (used > opts.dailyQuota) {
      quotaRejections += 1;
      return sendError(reply, '607', 'Daily quota reached');
    }
    daily.set(day, used);
    if (opts.latencyMs > 0) await new Promise((r) => setTimeout(r, opts.latencyMs));
    return undefined;
  });

  return { specViolations, quotaRejections: () => quotaRejections };
}

async function validate(
  request: FastifyRequest,
  path: string,
  validator: OpenApiValidator,
): Promise<string[]> {
  const rawType = request.headers['content-type'];
  const contentType = rawType ? rawType.split(';')[0]?.trim().toLowerCase() : undefined;
  const query = new URLSearchParams(
    request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '',
  );
  let form: Record<string, string | string[]> | undefined;
  let json: unknown;
  if (contentType === 'multipart/form-data') {
    try {
      form = {};
      for (const [key, value] of await formDataOf(request)) {
        form[key] = typeof value === 'string' ? value : value.name || 'file';
      }
    } catch {
      return ['the multipart body cannot be parsed'];
    }
  } else if (contentType === 'application/x-www-form-urlencoded') {
    form = (request.body ?? {}) as Record<string, string>;
  } else if (request.body !== undefined && request.body !== null) {
    json = request.body;
  }
  const result = validator.validate({
    method: request.method,
    path,
    query,
    ...(contentType && (form !== undefined || json !== undefined) ? { contentType } : {}),
    ...(form !== undefined ? { form } : {}),
    ...(json !== undefined ? { json } : {}),
  });
  return result.errors;
}

/** Reads a query string value (last one wins). */
export function queryOf(request: FastifyRequest): Record<string, string> {
  return request.query as Record<string, string>;
}

export type { FastifyReply };
