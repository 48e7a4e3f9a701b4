/**
 * A classified connector error as people read it: the kind in words, the vendor's code and HTTP status, the message.
 * `compact` is the one-line form of the ledger table.
 */
import type { ConnectorErrorJson } from '../../../contracts/index.js';

/** What each error kind means for the delivery. */
export const ERROR_KIND_LABELS: Record<string, string> = {
  retryable: 'Temporary failure (retried)',
  rate_limited: 'Rate limited (retried later)',
  invalid_request: 'Refused by the platform (not retried)',
  not_found: 'Not found at the platform',
  auth_expired: 'Authorisation expired (reconnect)',
  disconnected: 'Disconnected',
  unknown_outcome: 'Outcome unknown (response lost)',
  worker_lost: 'Worker stopped mid-call',
};

export function ErrorSummary({ error, compact = false }: { error: ConnectorErrorJson; compact?: boolean }) {
  const kind = error.kind ?? 'error';
  const meta = [
    error.httpStatus !== undefined ? `HTTP ${error.httpStatus}` : null,
    error.vendorCode ? `code ${error.vendorCode}` : null,
  ].filter(Boolean);
  if (compact)
    return (
      <span className="error-summary" data-testid="delivery-error">
        <span className="badge badge-bad">{kind}</span> {meta.length > 0 && <code>{meta.join(' · ')}</code>}{' '}
        <span className="muted">{error.message}</span>
      </span>
    );
  return (
    <dl className="kv error-detail" data-testid="delivery-error">
      <dt>Kind</dt>
      <dd>
        <span className="badge badge-bad">{kind}</span> {ERROR_KIND_LABELS[kind] ?? ''}
      </dd>
      {error.httpStatus !== undefined && (
        <>
          <dt>HTTP status</dt>
          <dd>{error.httpStatus}</dd>
        </>
      )}
      {error.vendorCode && (
        <>
          <dt>Vendor code</dt>
          <dd>
            <code>{error.vendorCode}</code>
          </dd>
        </>
      )}
      <dt>Message</dt>
      <dd>{error.message ?? '—'}</dd>
      {error.correlationId && (
        <>
          <dt>Vendor request id</dt>
          <dd>
            <code>{error.correlationId}</code>
          </dd>
        </>
      )}
      {error.retryAfterMs !== undefined && (
        <>
          <dt>Retry after</dt>
          <dd>{Math.round(error.retryAfterMs / 1000)} s</dd>
        </>
      )}
    </dl>
  );
}
