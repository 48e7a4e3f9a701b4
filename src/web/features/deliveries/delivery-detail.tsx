/**
 * One delivery: where it goes, its status and result, every attempt with its classified error and duration, and the
 * decisions a publisher can take — replay a failed one, or resolve an unknown outcome after looking at the evidence
 * (the attempts and the idempotency marker the vendor object carries).
 */
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  RESOLVE_OUTCOMES,
  type ContentDetail,
  type DeliveryDetail,
  type ResolveOutcome,
} from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Field, Loading, formatDate } from '../../app/ui.js';
import { connectionLabel, useConnections } from '../connections/connections.api.js';
import { ErrorSummary } from './delivery-error.js';
import {
  ACTION_LABELS,
  STATUS_LABELS,
  replayDelivery,
  resolveDelivery,
  statusBadgeClass,
  useDelivery,
  type ResolveInput,
} from './deliveries.api.js';

export default function DeliveryDetailPage() {
  const { id = '' } = useParams();
  const delivery = useDelivery(id);
  if (delivery.isPending) return <Loading label="Loading delivery…" />;
  if (delivery.isError)
    return (
      <section>
        <p>
          <Link to="/deliveries">← Deliveries</Link>
        </p>
        <ErrorMessage error={delivery.error} onRetry={() => void delivery.refetch()} />
      </section>
    );
  return <Detail d={delivery.data} />;
}

function Detail({ d }: { d: DeliveryDetail }) {
  const session = useSession();
  const connections = useConnections();
  const toast = useToast();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const canManage = session.atLeast('publisher');
  const connection = connectionLabel(connections.data, d.connectionId);
  const content = useQuery({
    queryKey: keys.content(d.contentId ?? ''),
    queryFn: () => api.get<ContentDetail>(`/api/v1/content/${d.contentId}`),
    enabled: d.contentId !== null,
  });
  const contentTitle = d.contentId && content.data ? content.data.title : 'the content item';

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
    <section data-testid="delivery-detail" data-status={d.status}>
      <p>
        <Link to="/deliveries">← Deliveries</Link>
      </p>
      <div className="row spread">
        <h1>
          {ACTION_LABELS[d.action] ?? d.action} → {connection}
        </h1>
        <span
          className={statusBadgeClass(d.status)}
          aria-label="Delivery status"
          data-testid="delivery-status"
        >
          {STATUS_LABELS[d.status] ?? d.status}
        </span>
      </div>
      <div className="row">
        {d.status === 'failed' && canManage && (
          <button type="button" disabled={busy} onClick={() => void replay()}>
            {busy ? 'Replaying…' : 'Replay'}
          </button>
        )}
        <Link className="button secondary" to={`/deliveries?connectionId=${d.connectionId}`}>
          All deliveries to this connection
        </Link>
      </div>
      <div className="detail-grid">
        <div className="panel">
          <h2>Delivery</h2>
          <dl className="kv">
            <dt>Content</dt>
            <dd>
              {d.contentId ? (
                <Link to={`/content/${d.contentId}`}>
                  {contentTitle} (version {d.contentVersion ?? '?'})
                </Link>
              ) : (
                '—'
              )}
            </dd>
            <dt>Result</dt>
            <dd>
              {d.externalUrl ? (
                <a href={d.externalUrl} target="_blank" rel="noreferrer" data-testid="delivery-external-link">
                  {d.externalId ?? d.externalUrl}
                </a>
              ) : (
                (d.externalId ?? '—')
              )}
            </dd>
            <dt>Attempts</dt>
            <dd>
              {d.attemptCount} (generation {d.generation})
            </dd>
            {d.pausedReason && (
              <>
                <dt>Paused</dt>
                <dd>{d.pausedReason}</dd>
              </>
            )}
            {d.nextAttemptAt && (
              <>
                <dt>Next attempt</dt>
                <dd>{formatDate(d.nextAttemptAt)}</dd>
              </>
            )}
            <dt>Marker</dt>
            <dd>
              <code title="Embedded in the object at the platform; search for it to find what was created">
                {d.idempotencyKey}
              </code>
            </dd>
            <dt>Trigger</dt>
            <dd>{d.trigger}</dd>
            <dt>Created</dt>
            <dd>{formatDate(d.createdAt)}</dd>
            <dt>Finished</dt>
            <dd>{formatDate(d.finishedAt)}</dd>
            {d.resolution && (
              <>
                <dt>Resolution</dt>
                <dd>
                  <code className="wrap">{JSON.stringify(d.resolution)}</code>
                </dd>
              </>
            )}
          </dl>
        </div>
        <div className="panel">
          <h2>Last error</h2>
          {d.lastError ? <ErrorSummary error={d.lastError} /> : <p className="muted">No error.</p>}
        </div>
      </div>
      {d.status === 'unknown' && canManage && <ResolvePanel d={d} />}
      <div className="panel">
        <h2>Attempts</h2>
        {d.attempts.length === 0 ? (
          <p className="muted">No attempt yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="stack" data-testid="attempts">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Started</th>
                  <th>Duration</th>
                  <th>Outcome</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {d.attempts.map((a) => (
                  <tr key={a.n} data-testid="attempt-row" data-outcome={a.outcome ?? 'in_flight'}>
                    <td data-label="#">{a.n}</td>
                    <td data-label="Started">{formatDate(a.startedAt)}</td>
                    <td data-label="Duration" className="nowrap">
                      {a.durationMs === null ? '…' : `${a.durationMs} ms`}
                    </td>
                    <td data-label="Outcome">
                      <span className={a.outcome === 'succeeded' ? 'badge badge-good' : 'badge'}>
                        {a.outcome ?? 'in flight'}
                      </span>
                    </td>
                    <td className="cell-wrap" data-label="Error">
                      {a.error ? <ErrorSummary error={a.error} compact /> : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}

const OUTCOME_TEXT: Record<ResolveOutcome, string> = {
  succeeded: 'It happened: I found it at the platform (give its id)',
  retry: 'It did not happen: try again',
  failed: 'Give up: mark it failed',
};

function ResolvePanel({ d }: { d: DeliveryDetail }) {
  const [outcome, setOutcome] = useState<ResolveOutcome>('succeeded');
  const [externalId, setExternalId] = useState('');
  const [externalUrl, setExternalUrl] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  const client = useQueryClient();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const input: ResolveInput = { outcome, note };
    if (outcome === 'succeeded') {
      input.externalId = externalId;
      if (externalUrl) input.externalUrl = externalUrl;
    }
    try {
      await resolveDelivery(d.id, input);
      toast.success(`Delivery resolved: ${outcome}`);
      await client.invalidateQueries({ queryKey: keys.deliveries });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="panel" aria-label="Resolve the unknown outcome" onSubmit={(e) => void submit(e)}>
      <h2>Decide the unknown outcome</h2>
      <p>
        The platform may or may not have received this delivery: its answer was lost. Look for an object
        carrying the marker <code>{d.idempotencyKey}</code> at the platform, and check the attempts below,
        then decide.
      </p>
      <fieldset className="choices">
        <legend>What happened?</legend>
        {RESOLVE_OUTCOMES.map((o) => (
          <label key={o} className="row">
            <input
              type="radio"
              name="outcome"
              value={o}
              checked={outcome === o}
              onChange={() => setOutcome(o)}
            />{' '}
            {OUTCOME_TEXT[o]}
          </label>
        ))}
      </fieldset>
      {outcome === 'succeeded' && (
        <div className="grid2">
          <Field label="External id">
            {(p) => (
              <input {...p} required value={externalId} onChange={(e) => setExternalId(e.target.value)} />
            )}
          </Field>
          <Field label="External URL (optional)">
            {(p) => (
              <input {...p} type="url" value={externalUrl} onChange={(e) => setExternalUrl(e.target.value)} />
            )}
          </Field>
        </div>
      )}
      <Field label="Note" hint="Why you decided this; it goes to the audit log.">
        {(p) => <textarea {...p} required rows={2} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      {error ? <ErrorMessage error={error} /> : null}
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Resolve'}
      </button>
    </form>
  );
}
