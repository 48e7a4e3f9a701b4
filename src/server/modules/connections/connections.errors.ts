/** The connections module's errors: one class per failure, each with a stable SCREAMING_SNAKE code and HTTP status. */
import { AppError, ConflictError } from '../../platform/errors/index.js';

export interface SchemaIssue {
  path: string;
  message: string;
}

/** 422: no connector with this id is registered. */
export class ConnectorUnknownError extends AppError {
  constructor(vendor: string, known: readonly string[]) {
    super('CONNECTOR_UNKNOWN', 422, `Unknown connector "${vendor}"; available: ${known.join(', ')}`, {
      vendor,
      known,
    });
    this.name = 'ConnectorUnknownError';
  }
}

/** 422: config or credentials do not match the connector's schema. Issues name fields, never echo secret values. */
export class ConnectionSettingsInvalidError extends AppError {
  constructor(which: 'config' | 'credentials', issues: SchemaIssue[]) {
    super(
      which === 'config' ? 'CONNECTION_CONFIG_INVALID' : 'CONNECTION_CREDENTIALS_INVALID',
      422,
      `The connection ${which} do${which === 'config' ? 'es' : ''} not match the connector's schema: ` +
        issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '),
      { issues },
    );
    this.name = 'ConnectionSettingsInvalidError';
  }
}

export class ConnectionNameTakenError extends ConflictError {
  constructor(name: string) {
    super('CONNECTION_NAME_TAKEN', `Another connection of this workspace is called "${name}"`, { name });
    this.name = 'ConnectionNameTakenError';
  }
}

/** 409: the connection changed since the caller read it (If-Match). */
export class ConnectionVersionConflictError extends ConflictError {
  constructor(readonly currentVersion: number) {
    super(
      'CONNECTION_VERSION_CONFLICT',
      `The connection was changed by someone else (now at version ${currentVersion}); reload it and retry`,
      { currentVersion },
    );
    this.name = 'ConnectionVersionConflictError';
  }
}

/** 409: deliveries reference the connection; disable it instead, so the ledger keeps its history. */
export class ConnectionInUseError extends ConflictError {
  constructor() {
    super(
      'CONNECTION_IN_USE',
      'The connection has deliveries in the ledger; set its status to disabled instead of deleting it',
    );
    this.name = 'ConnectionInUseError';
  }
}

/** 409: the connection cannot be used right now (no credentials, not authorised, disabled). */
export class ConnectionNotUsableError extends ConflictError {
  constructor(reason: string) {
    super('CONNECTION_NOT_USABLE', reason);
    this.name = 'ConnectionNotUsableError';
  }
}

/** 422: OAuth endpoints called for a connector that does not use OAuth. */
export class OAuthNotSupportedError extends AppError {
  constructor(vendor: string) {
    super('OAUTH_NOT_SUPPORTED', 422, `The ${vendor} connector does not authenticate with OAuth`);
    this.name = 'OAuthNotSupportedError';
  }
}

/** 400: the callback's `state` is unknown, used or expired (or the vendor reported an error). */
export class OAuthStateInvalidError extends AppError {
  constructor(message: string) {
    super('OAUTH_STATE_INVALID', 400, message);
    this.name = 'OAuthStateInvalidError';
  }
}

/**
 * The code exchange failed: 400 when the vendor refused the code (invalid, expired, verifier mismatch: authorise
 * again), 502 when the vendor could not be reached or answered nonsense (try again later). Either way the `state`
 * is used up.
 */
export class OAuthExchangeFailedError extends AppError {
  constructor(message: string, details?: unknown, status: 400 | 502 = 400) {
    super('OAUTH_EXCHANGE_FAILED', status, message, details);
    this.name = 'OAuthExchangeFailedError';
  }
}

export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}

export function isForeignKeyViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23503';
}
