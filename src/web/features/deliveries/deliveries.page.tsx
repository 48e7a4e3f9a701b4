/**
 * Deliveries: the publishing ledger, filterable by status, connection and content, newest first; a delivery's page
 * (`/deliveries/:id`) shows its attempts and decisions. Replay every failed delivery of a connection from here.
 * The list follows the event stream (`delivery.*` events invalidate it).
 */
import { lazy, useState } from 'react';
import { Link, Route, Routes, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { DELIVERY_STATUSES, type Delivery } from '../../../contracts/index.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { Dialog, Empty, ErrorMessage, Field, Loading, formatDate } from '../../app/ui.js';
import { connectionLabel, useConnections } from '../connections/connections.api.js';
import { useContentList } from '../content/content.api.js';
import { ErrorSummary } from './delivery-error.js';
import {
  ACTION_LABELS,
  STATUS_LABELS,
  replayDelivery,
  replayFailed,
  statusBadgeClass,
  useDeliveryLedger,
} from './deliveries.api.js';

const DeliveryDetailPage = lazy(() => import('./delivery-detail.js'));

export default function DeliveriesPage() {
  return (
    <Routes>
      <Route index element={<Ledger />} />
      <Route path=":id" element={<DeliveryDetailPage />} />
    </Routes>
  );
}

function Ledger() {
  const [params, setParams] = useSearchParams();
  const filters = {
    status: params.get('status') ?? '',
    connectionId: params.get('connectionId') ?? '',
    contentId: params.get('contentId') ?? '',
  };
  const setFilter = (name: keyof typeof filters, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const ledger = useDeliveryLedger(filters);
  const connections = useConnections();
  const content = useContentList({});
  const titleOf = (id: string | null) =>
    id ? (content.data?.find((c) => c.id === id)?.title ?? `content ${id.slice(0, 8)}`) : '—';
  const session = useSession();
  const canManage = session.atLeast('publisher');
  const [bulkFor, setBulkFor] = useState<string | null>(null);
  const items = ledger.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section>
      <div className="row spread">
        <h1>Deliveries</h1>
        {canManage && filters.connectionId && (
          <button type="button" className="secondary" onClick={() => setBulkFor(filters.connectionId)}>
            Replay all failed for this connection
          </button>
        )}
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <Field label="Status">
          {(p) => (
            <select {...p} value={filters.status} onChange={(e) => setFilter('status', e.target.value)}>
              <option value="">Any status</option>
              {DELIVERY_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s] ?? s}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Connection">
          {(p) => (
            <select
              {...p}
              value={filters.connectionId}
              onChange={(e) => setFilter('connectionId', e.target.value)}
            >
              <option value="">Any connection</option>
              {(connections.data ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Content">
          {(p) => (
            <select {...p} value={filters.contentId} onChange={(e) => setFilter('contentId', e.target.value)}>
              <option value="">Any content</option>
              {filters.contentId && !content.data?.some((c) => c.id === filters.contentId) && (
                <option value={filters.contentId}>{titleOf(filters.contentId)}</option>
              )}
              {(content.data ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title}
                </option>
              ))}
            </select>
          )}
        </Field>
        {(filters.status || filters.connectionId || filters.contentId) && (
          <button type="button" className="secondary small" onClick={() => setParams({}, { replace: true })}>
            Clear filters
          </button>
        )}
      </form>
      {ledger.isPending ? (
        <Loading label="Loading deliveries…" />
      ) : ledger.isError ? (
        <ErrorMessage error={ledger.error} onRetry={() => void ledger.refetch()} />
      ) : items.length === 0 ? (
        <Empty>No deliveries match. Deliveries appear when content with destinations is published.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="ledger stack">
              <caption className="visually-hidden">Deliveries, newest first</caption>
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Destination</th>
                  <th>Content</th>
                  <th>Attempts</th>
                  <th>Result or error</th>
                  <th>Updated</th>
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <LedgerRow
                    key={d.id}
                    delivery={d}
                    connection={connectionLabel(connections.data, d.connectionId)}
                    title={titleOf(d.contentId)}
                    canManage={canManage}
                  />
                ))}
              </tbody>
            </table>
          </div>
          {ledger.hasNextPage && (
            <button
              type="button"
              className="secondary"
              disabled={ledger.isFetchingNextPage}
              onClick={() => void ledger.fetchNextPage()}
            >
              {ledger.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
      {bulkFor && (
        <BulkReplayDialog
          connectionId={bulkFor}
          label={connectionLabel(connections.data, bulkFor)}
          onClose={() => setBulkFor(null)}
        />
      )}
    </section>
  );
}

function LedgerRow({
  delivery: d,
  connection,
  title,
  canManage,
}: {
  delivery: Delivery;
  connection: string;
  title: string;
  canManage: boolean;
}) {
  const toast = useToast();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const replay = async () => {
    setBusy(true);
    try {
      await replayDelivery(d.id);
      toast.success('Replay queued: a new attempt is on its way');
      await client.invalidateQueries({ queryKey: keys.deliveries });
    } catch (e) {
      toast.error(e, 'Replay refused');
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-testid="delivery-row" data-id={d.id} data-status={d.status}>
      <td data-label="Status">
        <span className={statusBadgeClass(d.status)}>{STATUS_LABELS[d.status] ?? d.status}</span>
        {d.pausedReason && <div className="muted">paused: {d.pausedReason}</div>}
      </td>
      <td data-label="Destination">
        {connection}
        <div className="muted">{ACTION_LABELS[d.action] ?? d.action}</div>
      </td>
      <td data-label="Content">
        {d.contentId ? <Link to={`/content/${d.contentId}`}>{title}</Link> : '—'}
        {d.contentVersion !== null && <div className="muted">version {d.contentVersion}</div>}
      </td>
      <td data-label="Attempts">{d.attemptCount}</td>
      <td className="cell-wrap" data-label="Result">
        {d.externalUrl ? (
          <a href={d.externalUrl} target="_blank" rel="noreferrer">
            {d.externalId ?? 'View on the destination'}
          </a>
        ) : d.lastError ? (
          <ErrorSummary error={d.lastError} compact />
        ) : (
          <span className="muted">{d.nextAttemptAt ? `next try ${formatDate(d.nextAttemptAt)}` : ''}</span>
        )}
      </td>
      <td data-label="Updated">{formatDate(d.updatedAt)}</td>
      <td className="actions" data-label="">
        <div className="row nowrap">
          <Link className="button secondary small" to={`/deliveries/${d.id}`}>
            Details
          </Link>
          {d.status === 'failed' && canManage && (
            <button type="button" className="small" disabled={busy} onClick={() => void replay()}>
              Replay
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}

function BulkReplayDialog({
  connectionId,
  label,
  onClose,
}: {
  connectionId: string;
  label: string;
  onClose: () => void;
}) {
  const toast = useToast();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await replayFailed(connectionId);
      toast.success(
        r.count === 0
          ? `No failed deliveries to replay for ${label}`
          : `Replaying ${r.count} failed deliver${r.count === 1 ? 'y' : 'ies'} for ${label}`,
      );
      await client.invalidateQueries({ queryKey: keys.deliveries });
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title="Replay failed deliveries"
      onClose={onClose}
      actions={
        <>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="button" disabled={busy} onClick={() => void run()}>
            {busy ? 'Replaying…' : 'Replay all failed'}
          </button>
        </>
      }
    >
      <p>
        Every failed delivery to <strong>{label}</strong> gets a new attempt. Their history is kept. Check
        that the cause (credentials, the platform, the content) is fixed first.
      </p>
      {error ? <ErrorMessage error={error} /> : null}
    </Dialog>
  );
}
