/**
 * The editor's Destinations tab: where the item goes when it is published (connections × action, for editors) and
 * the per-destination result of its newest delivery — status, the external link where it is live, the error of a
 * failed one. `delivery.*` and `content.*` events refresh it live.
 */
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import {
  DESTINATION_ACTIONS,
  type ContentDetail,
  type Destination,
  type DestinationResult,
} from '../../../contracts/index.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Loading, formatDate } from '../../app/ui.js';
import { connectionLabel, useConnections, useConnectors } from '../connections/connections.api.js';
import { ErrorSummary } from './delivery-error.js';
import {
  ACTION_LABELS,
  STATUS_LABELS,
  saveDestinations,
  statusBadgeClass,
  useContentDeliveries,
  useDestinations,
} from './deliveries.api.js';

const keyOf = (d: Destination) => `${d.connectionId}:${d.action}`;

export default function DestinationsPanel({ item }: { item: ContentDetail }) {
  const session = useSession();
  const results = useContentDeliveries(item.id);
  const connections = useConnections();
  return (
    <div>
      <h3>Delivery results</h3>
      {results.isPending ? (
        <Loading />
      ) : results.isError ? (
        <ErrorMessage error={results.error} onRetry={() => void results.refetch()} />
      ) : results.data.destinations.length === 0 ? (
        <p className="muted">No destinations yet: choose where this content goes when it is published.</p>
      ) : (
        <ul className="list" aria-label="Delivery results">
          {results.data.destinations.map((r) => (
            <ResultRow key={keyOf(r)} r={r} label={connectionLabel(connections.data, r.connectionId)} />
          ))}
        </ul>
      )}
      {results.data && results.data.deliveries.length > 0 && (
        <p>
          <Link to={`/deliveries?contentId=${item.id}`}>
            Every delivery of this content ({results.data.deliveries.length}) in the ledger
          </Link>
        </p>
      )}
      {session.atLeast('editor') && <DestinationPicker contentId={item.id} />}
    </div>
  );
}

function ResultRow({ r, label }: { r: DestinationResult; label: string }) {
  const latest = r.latest;
  return (
    <li data-testid="destination-result" data-connection={r.connectionId} data-status={r.status ?? 'none'}>
      <div className="row spread">
        <span>
          <strong>{label}</strong> · {ACTION_LABELS[r.action] ?? r.action}
        </span>
        <span className={statusBadgeClass(r.status)}>
          {r.status ? (STATUS_LABELS[r.status] ?? r.status) : 'Not delivered yet'}
        </span>
      </div>
      <div className="row">
        {r.externalUrl && (
          <a href={r.externalUrl} target="_blank" rel="noreferrer" data-testid="external-link">
            View it live{r.externalId ? ` (${r.externalId})` : ''}
          </a>
        )}
        {latest && (
          <>
            <span className="muted">
              {latest.action === 'unpublishContent' ? 'unpublish · ' : ''}
              {latest.attemptCount} attempt{latest.attemptCount === 1 ? '' : 's'} ·{' '}
              {formatDate(latest.updatedAt)}
            </span>
            <Link to={`/deliveries/${latest.id}`}>Details</Link>
          </>
        )}
      </div>
      {latest?.lastError && latest.status !== 'succeeded' && (
        <ErrorSummary error={latest.lastError} compact />
      )}
    </li>
  );
}

function DestinationPicker({ contentId }: { contentId: string }) {
  const current = useDestinations(contentId);
  const connections = useConnections();
  const connectors = useConnectors();
  const toast = useToast();
  const client = useQueryClient();
  const [chosen, setChosen] = useState<Set<string> | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const saved = useMemo(() => new Set((current.data?.destinations ?? []).map(keyOf)), [current.data]);
  const savedKey = [...saved].sort().join();
  // Follow the server until the user starts choosing; a change saved elsewhere resets the choice.
  useEffect(() => setChosen(null), [savedKey]);
  const selection = chosen ?? saved;

  if (current.isPending || connections.isPending || connectors.isPending) return <Loading />;
  const problem = current.error ?? connections.error ?? connectors.error;
  if (problem) return <ErrorMessage error={problem} />;

  const options = (connections.data ?? []).flatMap((c) => {
    const caps = connectors.data?.find((x) => x.id === c.vendor)?.capabilities ?? [];
    return DESTINATION_ACTIONS.filter((a) => caps.includes(a)).map((action) => ({
      connection: c,
      action,
      key: keyOf({ connectionId: c.id, action }),
    }));
  });
  const dirty = [...selection].sort().join() !== savedKey;
  const toggle = (key: string, on: boolean) => {
    const next = new Set(selection);
    if (on) next.add(key);
    else next.delete(key);
    setChosen(next);
  };
  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      // Keep the saved order; new choices go last.
      const ordered = [
        ...(current.data?.destinations ?? []).map(keyOf).filter((k) => selection.has(k)),
        ...options.map((o) => o.key).filter((k) => selection.has(k) && !saved.has(k)),
      ];
      const destinations = ordered.map((k) => {
        const o = options.find((x) => x.key === k);
        const [connectionId = '', action = 'publishContent'] = k.split(':');
        return { connectionId: o?.connection.id ?? connectionId, action: o?.action ?? action } as Destination;
      });
      await saveDestinations(contentId, destinations);
      toast.success(
        destinations.length === 0
          ? 'Destinations cleared'
          : `Destinations saved: ${destinations.length} destination${destinations.length === 1 ? '' : 's'}`,
      );
      setChosen(null);
      await client.invalidateQueries({ queryKey: keys.contentPart(contentId, 'destinations') });
      await client.invalidateQueries({ queryKey: keys.contentPart(contentId, 'deliveries') });
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <fieldset className="choices" aria-describedby="destinations-hint">
      <legend>Destinations</legend>
      <p id="destinations-hint" className="muted">
        Published versions go to every destination ticked here.
      </p>
      {options.length === 0 ? (
        <p className="muted">
          No connection can take content yet. <Link to="/connections">Add a connection</Link>.
        </p>
      ) : (
        options.map((o) => (
          <label key={o.key} className="row">
            <input
              type="checkbox"
              checked={selection.has(o.key)}
              onChange={(e) => toggle(o.key, e.target.checked)}
            />{' '}
            {ACTION_LABELS[o.action] ?? o.action} → {o.connection.label}
            {o.connection.status !== 'active' && (
              <span className="badge badge-bad">{o.connection.status}</span>
            )}
          </label>
        ))
      )}
      {error ? <ErrorMessage error={error} /> : null}
      {options.length > 0 && (
        <div className="row">
          <button type="button" disabled={!dirty || saving} onClick={() => void save()}>
            {saving ? 'Saving…' : 'Save destinations'}
          </button>
          {dirty && (
            <button type="button" className="secondary" onClick={() => setChosen(null)}>
              Undo
            </button>
          )}
        </div>
      )}
    </fieldset>
  );
}
