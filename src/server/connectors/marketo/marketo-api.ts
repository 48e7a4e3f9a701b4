/**
 * Thin typed calls over the shared HTTP layer, speaking Marketo's conventions: Asset API writes are
 * `application/x-www-form-urlencoded` (nested objects such as `folder` travel as JSON text), files are multipart,
 * every answer is a `{ success, result, errors, warnings }` envelope. A body that is not such an envelope is an error:
 * `retryable` for reads, `unknown_outcome` for writes (the effect may have happened).
 */
import { ConnectorError } from '../sdk/connector-error.js';
import type { ConnectorContext } from '../sdk/connector.js';
import type { HttpRequest } from '../sdk/http-types.js';
import { asEnvelope } from './http-policy.js';

export type Query = Record<string, string | number | boolean | undefined>;
export type FormFields = Record<string, string | number | boolean | object | undefined>;

export interface Page<T> {
  result: T[];
  nextPageToken?: string;
  warnings: unknown[];
}

export interface MarketoProgram {
  id: number;
  name: string;
  description?: string;
  type: string;
  channel: string;
  url?: string;
}
export interface MarketoChannel {
  id: number;
  name: string;
  applicableProgramType: string;
}
export interface MarketoEmail {
  id: number;
  name: string;
  description?: string;
  status: string;
  url?: string;
}
export interface MarketoEmailSection {
  htmlId: string;
  contentType: string;
  value: unknown;
}
export interface MarketoFile {
  id: number;
  name: string;
  description?: string;
  url: string;
  mimeType: string;
  size: number;
}
export interface MarketoList {
  id: number;
  name: string;
  description?: string;
}
export interface MarketoLead {
  id: number;
  email?: string;
  [field: string]: unknown;
}

export interface MarketoApi {
  get<T>(path: string, query: Query, operation: string): Promise<Page<T>>;
  postForm<T>(path: string, fields: FormFields, operation: string): Promise<Page<T>>;
  postMultipart<T>(path: string, form: FormData, operation: string): Promise<Page<T>>;
}

export function createMarketoApi(ctx: ConnectorContext): MarketoApi {
  const send = async <T>(req: HttpRequest): Promise<Page<T>> => {
    const res = await ctx.http.request(req);
    const envelope = asEnvelope(res.body);
    if (!envelope || envelope.success !== true) {
      throw new ConnectorError({
        kind: req.method === 'GET' ? 'retryable' : 'unknown_outcome',
        message: `Marketo ${req.operation}: the response is not a Marketo envelope`,
        httpStatus: res.status,
      });
    }
    return {
      result: (envelope.result ?? []) as T[],
      warnings: envelope.warnings ?? [],
      ...(envelope.nextPageToken ? { nextPageToken: envelope.nextPageToken } : {}),
    };
  };
  return {
    get: (path, query, operation) => send({ method: 'GET', path, query, operation, idempotent: true }),
    postForm: (path, fields, operation) =>
      send({
        method: 'POST',
        path,
        operation,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: encodeForm(fields),
      }),
    postMultipart: (path, form, operation) => send({ method: 'POST', path, operation, body: form }),
  };
}

/** Form-encodes fields; objects and arrays become JSON text, as the Asset API expects. */
export function encodeForm(fields: FormFields): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    params.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return params.toString();
}

/** The first result, or undefined (Marketo answers "not found" by searches with an empty result and a warning). */
export function firstOf<T>(page: Page<T>): T | undefined {
  return page.result[0];
}

/** The first result of a write, which must exist. */
export function createdOf<T>(page: Page<T>, operation: string): T {
  const item = page.result[0];
  if (item === undefined) {
    throw new ConnectorError({
      kind: 'unknown_outcome',
      message: `Marketo ${operation}: success without a result`,
    });
  }
  return item;
}
