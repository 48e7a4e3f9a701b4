/**
 * Every vendor failure becomes a `ConnectorError` (DESIGN §5). The kind drives what the ledger does next:
 * - retryable: try again with backoff;
 * - rate_limited: try again after `retryAfterMs`;
 * - auth_expired: refresh once; if refreshing fails, the connection needs re-authorisation and its deliveries pause;
 * - invalid_request / not_found: do not retry; the delivery fails (dead letter) with the vendor's message;
 * - disconnected: the connection is unusable (revoked app, daily quota exhausted): pause until it is fixed or resets;
 * - unknown_outcome: the request may have taken effect (timeout or reset after sending a non-idempotent call): never
 *   retried blindly; reconciled with `findByIdempotencyMarker`.
 * The kind is decided from status codes and documented vendor error codes, never from body text.
 */
export const CONNECTOR_ERROR_KINDS = [
  'retryable',
  'rate_limited',
  'auth_expired',
  'invalid_request',
  'not_found',
  'disconnected',
  'unknown_outcome',
] as const;
export type ConnectorErrorKind = (typeof CONNECTOR_ERROR_KINDS)[number];

export interface ConnectorErrorInit {
  kind: ConnectorErrorKind;
  message: string;
  retryAfterMs?: number;
  vendorCode?: string;
  httpStatus?: number;
  /** Vendor correlation/request id, for support tickets. */
  correlationId?: string;
}

export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  readonly retryAfterMs: number | undefined;
  readonly vendorCode: string | undefined;
  readonly httpStatus: number | undefined;
  readonly correlationId: string | undefined;

  constructor(init: ConnectorErrorInit) {
    super(init.message);
    this.name = 'ConnectorError';
    this.kind = init.kind;
    this.retryAfterMs = init.retryAfterMs;
    this.vendorCode = init.vendorCode;
    this.httpStatus = init.httpStatus;
    this.correlationId = init.correlationId;
  }

  /** A JSON-safe summary for the ledger's attempt rows. */
  toJSON(): ConnectorErrorInit {
    return {
      kind: this.kind,
      message: this.message,
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
      ...(this.vendorCode !== undefined ? { vendorCode: this.vendorCode } : {}),
      ...(this.httpStatus !== undefined ? { httpStatus: this.httpStatus } : {}),
      ...(this.correlationId !== undefined ? { correlationId: this.correlationId } : {}),
    };
  }
}

export function isConnectorError(e: unknown): e is ConnectorError {
  return e instanceof ConnectorError;
}
