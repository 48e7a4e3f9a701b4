/**
 * The one HTTP client of the web app. Cookie session + CSRF header on unsafe methods, the selected workspace in
 * `x-switchboard-workspace`, JSON in and out. Every non-2xx becomes an `ApiError` carrying the API's `code` and
 * `message`, so screens show exactly what the server said.
 */
import { CSRF_HEADER, errorBodySchema, WORKSPACE_HEADER } from '../../contracts/index.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

interface ClientState {
  csrfToken: string | null;
  workspace: string | null;
  onUnauthenticated: (() => void) | null;
}

const WORKSPACE_KEY = 'switchboard.workspace';

const state: ClientState = {
  csrfToken: null,
  workspace: readStoredWorkspace(),
  onUnauthenticated: null,
};

function readStoredWorkspace(): string | null {
  try {
    return localStorage.getItem(WORKSPACE_KEY);
  } catch {
    return null;
  }
}

export function setCsrfToken(token: string | null): void {
  state.csrfToken = token;
}

export function selectWorkspace(id: string | null): void {
  state.workspace = id;
  try {
    if (id) localStorage.setItem(WORKSPACE_KEY, id);
    else localStorage.removeItem(WORKSPACE_KEY);
  } catch {
    // private mode: the choice lasts for this tab only
  }
}

export function currentWorkspace(): string | null {
  return state.workspace;
}

export function onUnauthenticated(handler: (() => void) | null): void {
  state.onUnauthenticated = handler;
}

/** Headers every request carries (also used by the event stream). */
export function baseHeaders(): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (state.workspace) headers[WORKSPACE_HEADER] = state.workspace;
  return headers;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {}))
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function apiRequest<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { ...baseHeaders(), ...opts.headers };
  if (method !== 'GET' && state.csrfToken) headers[CSRF_HEADER] = state.csrfToken;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR', 'Cannot reach the Switchboard server. Check your connection.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const parsed = errorBodySchema.safeParse(json);
    const err = parsed.success
      ? new ApiError(res.status, parsed.data.error.code, parsed.data.error.message, parsed.data.error.details)
      : new ApiError(res.status, `HTTP_${res.status}`, res.statusText || 'Request failed');
    if (res.status === 401 && path !== '/api/v1/auth/login') state.onUnauthenticated?.();
    throw err;
  }
  return json as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const api = {
  get: <T>(path: string, query?: RequestOptions['query']) => apiRequest<T>(path, query ? { query } : {}),
  post: <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
    apiRequest<T>(path, { method: 'POST', body: body ?? {}, ...(headers ? { headers } : {}) }),
  put: <T>(path: string, body: unknown) => apiRequest<T>(path, { method: 'PUT', body }),
  patch: <T>(path: string, body: unknown, headers?: Record<string, string>) =>
    apiRequest<T>(path, { method: 'PATCH', body, ...(headers ? { headers } : {}) }),
  delete: <T>(path: string, headers?: Record<string, string>) =>
    apiRequest<T>(path, { method: 'DELETE', ...(headers ? { headers } : {}) }),
};
