/**
 * One outbound HTTP attempt: POST the exact body with the signed headers, through the SSRF-guarded agent (or the
 * trusted one for allow-listed hosts), within the timeout; read at most the first 4 KiB of the response. Never
 * throws: every way an attempt can end is an `AttemptResult`.
 */
import { isIP } from 'node:net';
import { request } from 'undici';
import {
  isBlockedAddress,
  isHostAllowed,
  normalizeHost,
  type WebhookAgents,
} from '../../platform/http/index.js';
import type { AttemptOutcome } from './webhooks.tables.js';

/** Bytes of the response body kept on the attempt. */
export const RESPONSE_BODY_LIMIT = 4096;

export interface AttemptRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  allowedHosts: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface AttemptResult {
  outcome: Exclude<AttemptOutcome, 'gone'>;
  status: number | null;
  responseBody: string | null;
  retryAfter: string | null;
  error: string | null;
  durationMs: number;
}

export async function sendWebhookAttempt(agents: WebhookAgents, req: AttemptRequest): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const host = normalizeHost(new URL(req.url).hostname);
  const trusted = isHostAllowed(host, req.allowedHosts);
  // IP literals never go through `lookup`: judge them here.
  if (!trusted && isIP(host) && isBlockedAddress(host)) {
    return refused(`${host} is a loopback, private, link-local or reserved address`, elapsed());
  }
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout.signal, req.signal]) : timeout.signal;
  try {
    const res = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      dispatcher: trusted ? agents.trusted : agents.guarded,
      signal,
      maxRedirections: 0,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    const responseBody = await readPrefix(res.body, RESPONSE_BODY_LIMIT);
    const retryAfter = res.headers['retry-after'];
    return {
      outcome: res.statusCode >= 200 && res.statusCode < 300 ? 'succeeded' : 'failed',
      status: res.statusCode,
      responseBody,
      retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null,
      error: null,
      durationMs: elapsed(),
    };
  } catch (e) {
    if (timeout.signal.aborted) {
      return {
        outcome: 'timeout',
        status: null,
        responseBody: null,
        retryAfter: null,
        error: `no response within ${req.timeoutMs} ms`,
        durationMs: elapsed(),
      };
    }
    const code = errorCode(e);
    if (code === 'WEBHOOK_TARGET_REFUSED') return refused(errorMessage(e), elapsed());
    return {
      outcome: 'failed',
      status: null,
      responseBody: null,
      retryAfter: null,
      error: `${code ? code + ': ' : ''}${errorMessage(e)}`.slice(0, 1000),
      durationMs: elapsed(),
    };
  } finally {
    clearTimeout(timer);
  }
}

function refused(message: string, durationMs: number): AttemptResult {
  return {
    outcome: 'refused',
    status: null,
    responseBody: null,
    retryAfter: null,
    error: message,
    durationMs,
  };
}

async function readPrefix(
  body: AsyncIterable<Buffer> & { destroy?: () => void },
  limit: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) break;
    }
  } catch {
    // A body cut short still tells the operator something; keep what arrived.
  }
  body.destroy?.();
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** The error code of a network failure, looking through undici's wrapping (`cause`). */
function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return (e as { code?: string }).code;
}

function errorMessage(e: unknown): string {
  const parts: string[] = [];
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    const m = (cur as { message?: unknown }).message;
    if (typeof m === 'string' && !parts.includes(m)) parts.push(m);
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join(': ') || String(e);
}
