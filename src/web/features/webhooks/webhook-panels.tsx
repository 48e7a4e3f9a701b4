/**
 * Parts of the Webhooks screen: one message's attempt log, the workspace's allowed hosts (private and loopback
 * addresses a subscription may reach), and the inbound webhook log.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  INBOUND_WEBHOOK_STATUSES,
  type InboundWebhook,
  type Page,
  type WebhookMessageDetail,
  type WebhookSettings,
} from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Field, Loading, QueryView, SelectField, formatDate } from '../../app/ui.js';

export function MessageAttempts({ id }: { id: string }) {
  const detail = useQuery({
    queryKey: [...keys.webhooks, 'message', id],
    queryFn: () => api.get<WebhookMessageDetail>(`/api/v1/webhooks/messages/${id}`),
  });
  if (detail.isPending) return <Loading />;
  if (detail.isError) return <ErrorMessage error={detail.error} onRetry={() => void detail.refetch()} />;
  const d = detail.data;
  return (
    <div data-testid="webhook-attempts">
      <p className="muted">
        Message <code>{d.id}</code>
        {d.nextAttemptAt && <> · next attempt {formatDate(d.nextAttemptAt)}</>}
      </p>
      {d.attemptLog.length === 0 ? (
        <p className="muted">No attempt yet.</p>
      ) : (
        <ol className="list">
          {d.attemptLog.map((a) => (
            <li key={a.attempt} data-testid="webhook-attempt" data-outcome={a.outcome}>
              <strong>#{a.attempt}</strong> {formatDate(a.startedAt)} ·{' '}
              <span className={a.outcome === 'succeeded' ? 'badge badge-good' : 'badge badge-bad'}>
                {a.outcome}
              </span>{' '}
              {a.responseStatus !== null ? `HTTP ${a.responseStatus}` : ''} · {a.durationMs} ms
              {a.error && <div className="field-error">{a.error}</div>}
              {a.responseBody && <pre className="patch">{a.responseBody}</pre>}
            </li>
          ))}
        </ol>
      )}
      <details>
        <summary>Body</summary>
        <pre className="patch">{d.body}</pre>
      </details>
    </div>
  );
}

export function WebhookSettingsForm() {
  const settings = useQuery({
    queryKey: [...keys.webhooks, 'settings'],
    queryFn: () => api.get<WebhookSettings>('/api/v1/webhooks/settings'),
  });
  const [hosts, setHosts] = useState('');
  const [error, setError] = useState<unknown>(null);
  const toast = useToast();
  const client = useQueryClient();
  const saved = settings.data?.allowedHosts.join(', ') ?? '';
  useEffect(() => setHosts(saved), [saved]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.put('/api/v1/webhooks/settings', {
        allowedHosts: hosts
          .split(/[\s,]+/)
          .map((h) => h.trim())
          .filter(Boolean),
      });
      toast.success('Allowed hosts saved');
      await client.invalidateQueries({ queryKey: keys.webhooks });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <h2>Allowed hosts</h2>
      <form className="panel" aria-label="Allowed hosts" onSubmit={(e) => void submit(e)}>
        <Field
          label="Hosts on private addresses"
          hint="Subscriptions to loopback, private or link-local addresses are refused unless their host is listed here (comma-separated)."
        >
          {(p) => (
            <input
              {...p}
              value={hosts}
              disabled={settings.isPending}
              onChange={(e) => setHosts(e.target.value)}
            />
          )}
        </Field>
        {settings.isError && <ErrorMessage error={settings.error} />}
        {error ? <ErrorMessage error={error} /> : null}
        <button type="submit" disabled={hosts === saved}>
          Save allowed hosts
        </button>
      </form>
    </>
  );
}

export function InboundLog() {
  const [status, setStatus] = useState('');
  const inbound = useQuery({
    queryKey: [...keys.webhooks, 'inbound', status],
    queryFn: () =>
      api.get<Page<InboundWebhook>>('/api/v1/webhooks/inbound', { limit: 50, status: status || undefined }),
  });
  return (
    <>
      <h2>Inbound webhooks</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Inbound filters">
        <SelectField
          label="Inbound status"
          value={status}
          onChange={setStatus}
          options={INBOUND_WEBHOOK_STATUSES}
        />
      </form>
      <QueryView query={inbound} isEmpty={(d) => d.items.length === 0} empty="Nothing received yet.">
        {(d) => (
          <div className="table-wrap">
            <table className="stack">
              <thead>
                <tr>
                  <th>Received</th>
                  <th>From</th>
                  <th>Status</th>
                  <th>Events</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((r) => (
                  <tr key={r.id}>
                    <td data-label="Received">{formatDate(r.receivedAt)}</td>
                    <td data-label="From">
                      {r.vendor} ({r.sourceKind})
                    </td>
                    <td data-label="Status">
                      <span className={r.status === 'failed' ? 'badge badge-bad' : 'badge'}>{r.status}</span>
                    </td>
                    <td data-label="Events">{r.eventsEmitted}</td>
                    <td data-label="Error">{r.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </>
  );
}
