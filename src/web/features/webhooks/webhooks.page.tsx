/**
 * Webhooks: outbound subscriptions (the signing secret is shown once, at creation or rotation), ping, enable/disable,
 * the message log with every attempt, replay of one message or of every dead message of a subscription, the hosts
 * allowed on private addresses, and the inbound log. Admins only (the API says so too).
 */
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  WEBHOOK_MESSAGE_STATUSES,
  type Page,
  type Subscription,
  type WebhookMessage,
} from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Field, QueryView, SelectField, formatDate } from '../../app/ui.js';
import { InboundLog, MessageAttempts, WebhookSettingsForm } from './webhook-panels.js';

export default function WebhooksPage() {
  const session = useSession();
  if (!session.atLeast('admin'))
    return (
      <section>
        <h1>Webhooks</h1>
        <p className="state state-empty">Only admins and owners manage webhooks.</p>
      </section>
    );
  return <Webhooks />;
}

function useAct() {
  const client = useQueryClient();
  const toast = useToast();
  return async (label: string, run: () => Promise<unknown>): Promise<boolean> => {
    try {
      await run();
      toast.success(label);
      await client.invalidateQueries({ queryKey: keys.webhooks });
      return true;
    } catch (e) {
      toast.error(e, `${label} failed`);
      return false;
    }
  };
}

function Webhooks() {
  const subs = useQuery({
    queryKey: [...keys.webhooks, 'subscriptions'],
    queryFn: () => api.get<Page<Subscription>>('/api/v1/webhooks/subscriptions', { limit: 200 }),
  });
  const [status, setStatus] = useState('');
  const messages = useQuery({
    queryKey: [...keys.webhooks, 'messages', status],
    queryFn: () =>
      api.get<Page<WebhookMessage>>('/api/v1/webhooks/messages', { limit: 100, status: status || undefined }),
    // Message attempts are not events: poll while something is still on its way.
    refetchInterval: (q) => (q.state.data?.items.some((m) => m.status === 'pending') ? 2000 : false),
  });
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const act = useAct();
  const urlOf = (id: string) => subs.data?.items.find((s) => s.id === id)?.url ?? id.slice(0, 8);

  return (
    <section>
      <h1>Webhooks</h1>
      <NewSubscription onSecret={setSecret} />
      {secret && (
        <div className="secret" role="status" data-testid="webhook-secret">
          Signing secret for {secret.url} (shown once; store it in your receiver):{' '}
          <code>{secret.secret}</code>{' '}
          <button type="button" className="secondary small" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
      <h2>Subscriptions</h2>
      <QueryView query={subs} isEmpty={(d) => d.items.length === 0} empty="No subscriptions yet.">
        {(d) => (
          <ul className="list panel" aria-label="Subscriptions">
            {d.items.map((s) => (
              <li key={s.id} data-testid="subscription" data-id={s.id}>
                <div className="row spread">
                  <span>
                    <code className="wrap">{s.url}</code>{' '}
                    {s.enabled ? (
                      <span className="badge badge-good">enabled</span>
                    ) : (
                      <span className="badge badge-bad">disabled</span>
                    )}
                  </span>
                </div>
                <div className="muted">
                  {s.description && <>{s.description} · </>}
                  {s.eventTypes.length ? s.eventTypes.join(', ') : 'every event'} · {s.ordering}
                  {s.disabledReason && <> · disabled: {s.disabledReason}</>}
                  {s.failingSince && <> · failing since {formatDate(s.failingSince)}</>}
                  {s.previousSecretValidUntil && (
                    <> · old secret still signs until {formatDate(s.previousSecretValidUntil)}</>
                  )}
                </div>
                <div className="row">
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() =>
                      void act('Ping sent', () => api.post(`/api/v1/webhooks/subscriptions/${s.id}/ping`))
                    }
                  >
                    Ping
                  </button>
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() =>
                      void act('Dead messages replayed', () =>
                        api.post('/api/v1/webhooks/replay', { subscriptionId: s.id, dead: true }),
                      )
                    }
                  >
                    Replay dead
                  </button>
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() =>
                      void act('Secret rotated', async () => {
                        const r = await api.post<{ secret: string }>(
                          `/api/v1/webhooks/subscriptions/${s.id}/rotate-secret`,
                        );
                        setSecret({ url: s.url, secret: r.secret });
                      })
                    }
                  >
                    Rotate secret
                  </button>
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() =>
                      void act(s.enabled ? 'Subscription disabled' : 'Subscription enabled', () =>
                        api.patch(`/api/v1/webhooks/subscriptions/${s.id}`, { enabled: !s.enabled }),
                      )
                    }
                  >
                    {s.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <button
                    type="button"
                    className="danger small"
                    onClick={() => {
                      if (window.confirm(`Delete the subscription to ${s.url} and its message log?`))
                        void act('Subscription deleted', () =>
                          api.delete(`/api/v1/webhooks/subscriptions/${s.id}`),
                        );
                    }}
                  >
                    Delete
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      <h2>Message log</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Message filters">
        <SelectField
          label="Message status"
          value={status}
          onChange={setStatus}
          options={WEBHOOK_MESSAGE_STATUSES}
        />
      </form>
      <QueryView query={messages} isEmpty={(d) => d.items.length === 0} empty="No messages.">
        {(d) => (
          <div className="table-wrap">
            <table className="stack">
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Endpoint</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Last answer</th>
                  <th>Created</th>
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((m) => (
                  <MessageRow
                    key={m.id}
                    m={m}
                    url={urlOf(m.subscriptionId)}
                    open={open === m.id}
                    onToggle={() => setOpen(open === m.id ? null : m.id)}
                    onReplay={() =>
                      void act('Replay queued', () =>
                        api.post('/api/v1/webhooks/replay', { messageId: m.id }),
                      )
                    }
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
      <WebhookSettingsForm />
      <InboundLog />
    </section>
  );
}

function MessageRow({
  m,
  url,
  open,
  onToggle,
  onReplay,
}: {
  m: WebhookMessage;
  url: string;
  open: boolean;
  onToggle: () => void;
  onReplay: () => void;
}) {
  return (
    <>
      <tr data-testid="webhook-message" data-status={m.status}>
        <td data-label="Event">{m.eventType}</td>
        <td data-label="Endpoint">{url}</td>
        <td data-label="Status">
          <span
            className={
              m.status === 'succeeded'
                ? 'badge badge-good'
                : m.status === 'dead'
                  ? 'badge badge-bad'
                  : 'badge'
            }
          >
            {m.status}
          </span>
        </td>
        <td data-label="Attempts">{m.attempts}</td>
        <td data-label="Last answer">
          {m.lastStatus !== null ? `HTTP ${m.lastStatus}` : ''} {m.lastError ?? ''}
        </td>
        <td data-label="Created">{formatDate(m.createdAt)}</td>
        <td className="actions" data-label="">
          <div className="row nowrap">
            <button type="button" className="secondary small" aria-expanded={open} onClick={onToggle}>
              {open ? 'Hide attempts' : 'Attempts'}
            </button>
            {m.status !== 'pending' && (
              <button type="button" className="secondary small" onClick={onReplay}>
                Replay
              </button>
            )}
          </div>
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={7}>
            <MessageAttempts id={m.id} />
          </td>
        </tr>
      )}
    </>
  );
}

function NewSubscription({ onSecret }: { onSecret: (s: { url: string; secret: string }) => void }) {
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const client = useQueryClient();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const created = await api.post<{ secret: string; url: string }>('/api/v1/webhooks/subscriptions', {
        url,
        ...(description ? { description } : {}),
        eventTypes: types
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      });
      onSecret({ url: created.url, secret: created.secret });
      setUrl('');
      setTypes('');
      setDescription('');
      await client.invalidateQueries({ queryKey: keys.webhooks });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <form className="panel filters" onSubmit={(e) => void submit(e)} aria-label="New subscription">
        <Field label="Endpoint URL">
          {(p) => <input {...p} type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />}
        </Field>
        <Field label="Event types" hint="Comma-separated, e.g. content.*; empty = every event.">
          {(p) => <input {...p} value={types} onChange={(e) => setTypes(e.target.value)} />}
        </Field>
        <Field label="Description (optional)">
          {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <button type="submit">Add subscription</button>
      </form>
      {error ? <ErrorMessage error={error} /> : null}
    </>
  );
}
