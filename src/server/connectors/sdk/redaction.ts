/**
 * Secret redaction for connector logs. The HTTP layer logs method, redacted URL, status, duration and the error kind —
 * never headers or bodies verbatim. Anything that may carry a secret (query strings, form bodies, JSON bodies shown for
 * debugging) goes through these functions first.
 */

export const REDACTED = '[redacted]';

/** Parameter/field names whose values are secrets (compared case-insensitively, `-` and `_` ignored). */
const SECRET_NAMES = [
  'authorization',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'token',
  'clientsecret',
  'apikey',
  'hapikey',
  'password',
  'secret',
  'code',
  'codeverifier',
  'assertion',
  'cookie',
  'setcookie',
  'xapikey',
] as const;

/** True when a field, query parameter or header name holds a secret. */
export function isSecretName(name: string): boolean {
  const norm = name.toLowerCase().replace(/[-_]/g, '');
  return (SECRET_NAMES as readonly string[]).includes(norm);
}

/** Returns the URL with the values of secret query parameters replaced (`client_secret=[redacted]`). */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return String(url).replace(/\?.*$/, '?[redacted]');
  }
  if (parsed.username || parsed.password) {
    parsed.username = '';
    parsed.password = '';
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (isSecretName(key)) parsed.searchParams.set(key, REDACTED);
  }
  // URLSearchParams re-encodes the placeholder; keep it readable.
  return parsed.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

/** Redacts secret headers (Authorization, cookies, API keys). */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = isSecretName(k) ? REDACTED : v;
  return out;
}

/** Redacts a form-encoded body (`grant_type=refresh_token&refresh_token=...`). */
export function redactFormBody(body: string): string {
  const params = new URLSearchParams(body);
  for (const key of [...params.keys()]) if (isSecretName(key)) params.set(key, REDACTED);
  return params.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

/** Deeply redacts secret fields of a JSON-like value (bounded depth, cycles cut). */
export function redactJson(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretName(k) ? REDACTED : redactJson(v, depth + 1, seen);
  }
  return out;
}

/** Replaces literal occurrences of known secret values (a token echoed in a vendor message) in free text. */
export function redactKnownSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 6) out = out.split(s).join(REDACTED);
  return out;
}
