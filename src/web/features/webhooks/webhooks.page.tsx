/**
 * Webhooks: outbound subscriptions (the signing secret is shown once, at creation), ping, the message log with
 * statuses and errors, and replay of one message or of every dead message of a subscription.
 */
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Page } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Field, QueryView, formatDate } from '../../app/ui.js';
import { orNullWhenMissing } from '../deliveries/deliveries.api.js';

interface Subscription {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  ordering: string;
  createdAt?: string;
}
interface Message {
  id: string;
  subscriptionId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

export default function WebhooksPage() {
  const session = useSession();
  const subs = useQuery({
    queryKey: [...keys.webhooks, 'subscriptions'],
    queryFn: () =>
      orNullWhenMissing(() => api.get<Page<Subscription>>('/api/v1/webhooks/subscriptions', { limit: 200 })),
    enabled: session.atLeast('admin'),
  });
  const [status, setStatus] = useState('');
  const messages = useQuery({
    queryKey: [...keys.webhooks, 'messages', status],
    queryFn: () =>
      orNullWhenMissing(() =>
        api.get<Page<Message>>('/api/v1/webhooks/messages', { limit: 100, status: status || undefined }),
      ),
    enabled: session.atLeast('admin'),
  });
  const client = useQueryClient();
  const toast = useToast();

  if (!session.atLeast('admin'))
    return (
      <section>
        <h1>Webhooks</h1>
        <p className="state state-empty">Only admins and owners manage webhooks.</p>
      </section>
    );

  const act = async (label: string, run: () => Promise<unknown>) => {
    try {
      await run();
      toast.success(label);
      await client.invalidateQueries({ queryKey: keys.webhooks });
    } catch (e) {
      toast.error(e, `${label} failed`);
    }
  };
  const urlOf = (id: string) => subs.data?.items.find((s) => s.id === id)?.url ?? id.slice(0, 8);

  return (
    <section>
      <h1>Webhooks</h1>
      <NewSubscription />
      <h2>Subscriptions</h2>
      <QueryView
        query={subs}
        isEmpty={(d) => d === null || d.items.length === 0}
        empty={
          subs.data === null ? 'Webhooks are not available on this server yet.' : 'No subscriptions yet.'
        }
      >
        {(d) => (
          <ul className="list panel">
            {d!.items.map((s) => (
              <li key={s.id} className="row spread">
                <span>
                  <code>{s.url}</code>{' '}
                  {s.enabled ? (
                    <span className="badge badge-good">enabled</span>
                  ) : (
                    <span className="badge badge-bad">disabled</span>
                  )}
                  <br />
                  <span className="muted">
                    {s.eventTypes.length ? s.eventTypes.join(', ') : 'every event'} · {s.ordering}
                  </span>
                </span>
                <span className="row">
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
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      <h2>Message log</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <Field label="Status">
          {(p) => (
            <select {...p} value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">Any</option>
              {['pending', 'succeeded', 'failed', 'dead'].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      <QueryView query={messages} isEmpty={(d) => d === null || d.items.length === 0} empty="No messages.">
        {(d) => (
          <div className="table-wrap">
            <table>
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
                {d!.items.map((m) => (
                  <tr key={m.id}>
                    <td>{m.eventType}</td>
                    <td>{urlOf(m.subscriptionId)}</td>
                    <td>{m.status}</td>
                    <td>{m.attempts}</td>
                    <td>{m.lastError ?? m.lastStatus ?? ''}</td>
                    <td>{formatDate(m.createdAt)}</td>
                    <td>
                      {m.status !== 'pending' && (
                        <button
                          type="button"
                          className="secondary small"
                          onClick={() =>
                            void act('Replay queued', () =>
                              api.post('/api/v1/webhooks/replay', { messageId: m.id }),
                            )
                          }
                        >
                          Replay
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </section>
  );
}

function NewSubscription() {
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const client = useQueryClient();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const created = await api.post<{ secret: string }>('/api/v1/webhooks/subscriptions', {
        url,
        eventTypes: types
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      });
      setSecret(created.secret);
      setUrl('');
      setTypes('');
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
        <button type="submit">Add subscription</button>
      </form>
      {error ? <ErrorMessage error={error} /> : null}
      {secret && (
        <div className="secret" role="status">
          Signing secret (shown once; store it in your receiver): <code>{secret}</code>{' '}
          <button type="button" className="secondary small" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
    </>
  );
}
