/**
 * Connections: accounts on external platforms. Add one with a form generated from the connector's config and
 * credentials schemas; OAuth connectors get a Connect button; test a connection; see its health (breaker, token
 * expiry, rate budget, last error). Sandbox connections are labelled.
 */
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Field, Loading, QueryView, formatDate } from '../../app/ui.js';
import { orNullWhenMissing } from '../deliveries/deliveries.api.js';
import {
  SchemaFields,
  initialValues,
  toPayload,
  type FormValues,
  type JsonObjectSchema,
} from './schema-form.js';

interface Connector {
  id: string;
  displayName: string;
  authKind: string;
  capabilities: string[];
  defaultBaseUrl: string;
  oauth: { scopes: string[] } | null;
  configSchema: JsonObjectSchema;
  credentialsSchema: JsonObjectSchema;
}
interface ErrorJson {
  kind?: string;
  message?: string;
}
interface Connection {
  id: string;
  vendor: string;
  name: string;
  label: string;
  baseUrl: string;
  status: string;
  statusReason: string | null;
  sandbox: boolean;
  hasCredentials: boolean;
  authorized: boolean;
  health: {
    breakerState: string;
    lastSuccessAt: string | null;
    lastErrorAt: string | null;
    lastError: ErrorJson | null;
    tokenExpiresAt: string | null;
    pausedUntil: string | null;
  };
}
interface Health {
  rateBudget: Record<string, unknown> | null;
  breakerState: string;
  live: boolean;
}

export default function ConnectionsPage() {
  const session = useSession();
  const list = useQuery({
    queryKey: keys.connections,
    queryFn: () => orNullWhenMissing(() => api.get<{ items: Connection[] }>('/api/v1/connections')),
  });
  const connectors = useQuery({
    queryKey: keys.connectors,
    queryFn: () => orNullWhenMissing(() => api.get<{ items: Connector[] }>('/api/v1/connectors')),
    staleTime: 10 * 60_000,
  });
  const [adding, setAdding] = useState(false);
  const canManage = session.atLeast('admin');
  return (
    <section>
      <div className="row spread">
        <h1>Connections</h1>
        {canManage && connectors.data && (
          <button type="button" onClick={() => setAdding(!adding)}>
            {adding ? 'Close' : 'Add connection'}
          </button>
        )}
      </div>
      {adding && connectors.data && (
        <AddConnection connectors={connectors.data.items} onDone={() => setAdding(false)} />
      )}
      <QueryView
        query={list}
        isEmpty={(d) => d === null || d.items.length === 0}
        empty={
          list.data === null ? 'Connections are not available on this server yet.' : 'No connections yet.'
        }
      >
        {(d) => (
          <div className="grid2">
            {d!.items.map((c) => (
              <ConnectionCard
                key={c.id}
                connection={c}
                connector={connectors.data?.items.find((x) => x.id === c.vendor)}
                canManage={canManage}
              />
            ))}
          </div>
        )}
      </QueryView>
    </section>
  );
}

function ConnectionCard({
  connection: c,
  connector,
  canManage,
}: {
  connection: Connection;
  connector: Connector | undefined;
  canManage: boolean;
}) {
  const toast = useToast();
  const client = useQueryClient();
  const [testing, setTesting] = useState(false);
  const [showHealth, setShowHealth] = useState(false);
  const health = useQuery({
    queryKey: [...keys.connections, c.id, 'health'],
    queryFn: () => api.get<Health>(`/api/v1/connections/${c.id}/health`),
    enabled: showHealth,
  });
  const test = async () => {
    setTesting(true);
    try {
      const r = await api.post<{ ok: boolean; account?: string; error?: ErrorJson; durationMs: number }>(
        `/api/v1/connections/${c.id}/test`,
      );
      if (r.ok)
        toast.success(
          `${c.name}: connected${r.account ? ` as ${r.account}` : ''} (${Math.round(r.durationMs)} ms)`,
        );
      else
        toast.show('error', `${c.name}: ${r.error?.kind ?? 'error'}: ${r.error?.message ?? 'test failed'}`);
      await client.invalidateQueries({ queryKey: keys.connections });
    } catch (e) {
      toast.error(e, 'Test failed');
    } finally {
      setTesting(false);
    }
  };
  const connect = async () => {
    try {
      const r = await api.get<{ authorizeUrl: string }>(`/api/v1/connections/${c.id}/oauth/start`, {
        format: 'json',
      });
      window.location.assign(r.authorizeUrl);
    } catch (e) {
      toast.error(e, 'Cannot start OAuth');
    }
  };
  return (
    <article className="panel" data-testid="connection-card">
      <h2 className="row">
        {c.name} {c.sandbox && <span className="badge badge-sandbox">Sandbox</span>}
      </h2>
      <p className="muted">
        {connector?.displayName ?? c.vendor} · <code>{c.baseUrl}</code>
      </p>
      <p>
        <span className={`badge ${c.status === 'active' ? 'badge-good' : 'badge-bad'}`}>{c.status}</span>{' '}
        {c.statusReason && <span className="muted">{c.statusReason}</span>}
      </p>
      <ul className="list">
        <li>Circuit breaker: {c.health.breakerState}</li>
        <li>Token expires: {formatDate(c.health.tokenExpiresAt)}</li>
        <li>Last success: {formatDate(c.health.lastSuccessAt)}</li>
        {c.health.lastError && (
          <li className="field-error">
            Last error ({formatDate(c.health.lastErrorAt)}): {c.health.lastError.kind}:{' '}
            {c.health.lastError.message}
          </li>
        )}
        {showHealth &&
          (health.isPending ? (
            <li>
              <Loading />
            </li>
          ) : health.isError ? (
            <li>
              <ErrorMessage error={health.error} />
            </li>
          ) : (
            <li>
              Rate budget: {health.data.rateBudget ? JSON.stringify(health.data.rateBudget) : 'not tracked'}
            </li>
          ))}
      </ul>
      <div className="row">
        <button type="button" className="secondary small" disabled={testing} onClick={() => void test()}>
          {testing ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" className="secondary small" onClick={() => setShowHealth(!showHealth)}>
          {showHealth ? 'Hide budget' : 'Rate budget'}
        </button>
        {canManage && connector?.oauth && (
          <button type="button" className="small" onClick={() => void connect()}>
            {c.authorized ? 'Reconnect' : 'Connect'} with {connector.displayName}
          </button>
        )}
      </div>
    </article>
  );
}

function AddConnection({ connectors, onDone }: { connectors: Connector[]; onDone: () => void }) {
  const [vendor, setVendor] = useState(connectors[0]?.id ?? '');
  const connector = connectors.find((c) => c.id === vendor);
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [sandbox, setSandbox] = useState(false);
  const [config, setConfig] = useState<FormValues>(() => initialValues(connector?.configSchema));
  const [credentials, setCredentials] = useState<FormValues>(() =>
    initialValues(connector?.credentialsSchema),
  );
  const [error, setError] = useState<unknown>(null);
  const client = useQueryClient();
  const toast = useToast();
  const choose = (id: string) => {
    const c = connectors.find((x) => x.id === id);
    setVendor(id);
    setConfig(initialValues(c?.configSchema));
    setCredentials(initialValues(c?.credentialsSchema));
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const creds = toPayload(connector?.credentialsSchema, credentials);
      await api.post('/api/v1/connections', {
        vendor,
        name,
        ...(baseUrl ? { baseUrl } : {}),
        config: toPayload(connector?.configSchema, config),
        ...(Object.keys(creds).length ? { credentials: creds } : {}),
        sandbox,
      });
      toast.success(`Connection ${name} added`);
      await client.invalidateQueries({ queryKey: keys.connections });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-label="Add a connection">
      <div className="grid2">
        <Field label="Platform">
          {(p) => (
            <select {...p} value={vendor} onChange={(e) => choose(e.target.value)}>
              {connectors.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.displayName}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Name">
          {(p) => <input {...p} required value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field
          label="Base URL (optional)"
          {...(connector ? { hint: `Default: ${connector.defaultBaseUrl}` } : {})}
        >
          {(p) => <input {...p} type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />}
        </Field>
        <label className="row field">
          <input type="checkbox" checked={sandbox} onChange={(e) => setSandbox(e.target.checked)} /> Sandbox
          (local emulator; nothing reaches the real platform)
        </label>
      </div>
      <h3>Settings</h3>
      <div className="grid2">
        <SchemaFields schema={connector?.configSchema} values={config} onChange={setConfig} secret={false} />
      </div>
      {Object.keys(connector?.credentialsSchema.properties ?? {}).length > 0 && (
        <>
          <h3>Credentials</h3>
          <p className="muted">Stored encrypted; never shown again.</p>
          <div className="grid2">
            <SchemaFields
              schema={connector?.credentialsSchema}
              values={credentials}
              onChange={setCredentials}
              secret
            />
          </div>
        </>
      )}
      {error ? <ErrorMessage error={error} /> : null}
      <button type="submit">Add connection</button>
    </form>
  );
}
