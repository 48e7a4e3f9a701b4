/**
 * Connections: accounts on external platforms. Add one with a form generated from the connector's config and
 * credentials schemas; OAuth connectors get a Connect button; test a connection; see its health (breaker, token
 * expiry, rate budget, last error). Sandbox connections are labelled everywhere.
 */
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  Connection,
  ConnectionHealth,
  ConnectionTestResult,
  Connector,
} from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { describeError, useToast } from '../../app/toasts.js';
import { ErrorMessage, Field, QueryView, formatDate } from '../../app/ui.js';
import { useConnections, useConnectors } from './connections.api.js';
import { SchemaFields, asObjectSchema, initialValues, toPayload, type FormValues } from './schema-form.js';

export default function ConnectionsPage() {
  const session = useSession();
  const list = useConnections();
  const connectors = useConnectors();
  const [adding, setAdding] = useState(false);
  const canManage = session.atLeast('admin');
  return (
    <section>
      <div className="row spread">
        <h1>Connections</h1>
        {canManage && connectors.data && (
          <button type="button" aria-expanded={adding} onClick={() => setAdding(!adding)}>
            {adding ? 'Close' : 'Add connection'}
          </button>
        )}
      </div>
      {connectors.isError && <ErrorMessage error={connectors.error} />}
      {adding && connectors.data && (
        <AddConnection connectors={connectors.data} onDone={() => setAdding(false)} />
      )}
      <QueryView
        query={list}
        isEmpty={(d) => d.length === 0}
        empty={
          canManage
            ? 'No connections yet. Add one to publish content to a marketing platform.'
            : 'No connections yet. An admin adds them.'
        }
      >
        {(items) => (
          <div className="grid2">
            {items.map((c) => (
              <ConnectionCard
                key={c.id}
                connection={c}
                connector={connectors.data?.find((x) => x.id === c.vendor)}
                canManage={canManage}
                canTest={session.atLeast('publisher')}
              />
            ))}
          </div>
        )}
      </QueryView>
    </section>
  );
}

function errorLine(e: Record<string, unknown> | null | undefined): string {
  if (!e) return '';
  const parts = [
    e['kind'],
    e['httpStatus'] !== undefined ? `HTTP ${String(e['httpStatus'])}` : null,
    e['message'],
  ];
  return parts.filter((x) => x !== null && x !== undefined && x !== '').join(' · ');
}

function ConnectionCard({
  connection: c,
  connector,
  canManage,
  canTest,
}: {
  connection: Connection;
  connector: Connector | undefined;
  canManage: boolean;
  canTest: boolean;
}) {
  const toast = useToast();
  const client = useQueryClient();
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const health = useQuery({
    queryKey: [...keys.connections, c.id, 'health'],
    queryFn: () => api.get<ConnectionHealth>(`/api/v1/connections/${c.id}/health`),
  });
  const test = async () => {
    setTesting(true);
    setResult(null);
    try {
      const r = await api.post<ConnectionTestResult>(`/api/v1/connections/${c.id}/test`);
      setResult(r);
      if (r.ok) toast.success(`${c.label}: connected${r.account ? ` as ${r.account}` : ''}`);
      else toast.show('error', `${c.label}: test failed: ${errorLine(r.error)}`);
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
  const setStatus = async (status: 'active' | 'disabled') => {
    try {
      await api.patch(`/api/v1/connections/${c.id}`, { status }, { 'if-match': `"${c.version}"` });
      toast.success(`${c.label} ${status === 'active' ? 'enabled' : 'disabled'}`);
      await client.invalidateQueries({ queryKey: keys.connections });
    } catch (e) {
      toast.error(e, 'Not changed');
    }
  };
  const h = health.data;
  const budget = h?.rateBudget ?? null;
  return (
    <article className="panel" data-testid="connection-card" data-id={c.id} aria-labelledby={`conn-${c.id}`}>
      <h2 className="row" id={`conn-${c.id}`}>
        {c.name} {c.sandbox && <span className="badge badge-sandbox">Sandbox</span>}
      </h2>
      <p className="muted">
        {connector?.displayName ?? c.vendor} · <code className="wrap">{c.baseUrl}</code>
      </p>
      {c.sandbox && (
        <p className="muted">Sandbox: a local emulator. Nothing published here reaches the real platform.</p>
      )}
      <p>
        <span
          className={`badge ${c.status === 'active' ? 'badge-good' : 'badge-bad'}`}
          data-testid="connection-status"
        >
          {c.status}
        </span>{' '}
        {c.statusReason && <span className="muted">{c.statusReason}</span>}
        {!c.hasCredentials && !c.authorized && <span className="muted"> · no credentials yet</span>}
      </p>
      <dl className="kv" aria-label="Health">
        <dt>Circuit breaker</dt>
        <dd data-testid="breaker-state">{h?.breakerState ?? c.health.breakerState}</dd>
        <dt>Token expires</dt>
        <dd>{c.health.tokenExpiresAt ? formatDate(c.health.tokenExpiresAt) : 'does not expire'}</dd>
        <dt>Last success</dt>
        <dd>{formatDate(c.health.lastSuccessAt)}</dd>
        {c.health.pausedUntil && (
          <>
            <dt>Paused until</dt>
            <dd>{formatDate(c.health.pausedUntil)}</dd>
          </>
        )}
        <dt>Rate budget</dt>
        <dd>
          {health.isPending ? (
            'loading…'
          ) : health.isError ? (
            describeError(health.error)
          ) : budget ? (
            <RateBudget budget={budget} live={h?.live ?? false} />
          ) : (
            'not used yet'
          )}
        </dd>
        {c.health.lastError && (
          <>
            <dt>Last error</dt>
            <dd className="field-error" data-testid="connection-last-error">
              {formatDate(c.health.lastErrorAt)}: {errorLine(c.health.lastError)}
            </dd>
          </>
        )}
      </dl>
      {result && (
        <p
          role="status"
          className={result.ok ? 'state' : 'state state-error'}
          data-testid="connection-test-result"
          data-ok={result.ok}
        >
          {result.ok
            ? `Connected${result.account ? ` as ${result.account}` : ''} in ${Math.round(result.durationMs)} ms.`
            : `Test failed: ${errorLine(result.error)}`}
        </p>
      )}
      <div className="row">
        {canTest && (
          <button type="button" className="secondary small" disabled={testing} onClick={() => void test()}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
        )}
        <Link className="button secondary small" to={`/deliveries?connectionId=${c.id}`}>
          Deliveries
        </Link>
        {canManage && connector?.oauth && (
          <button type="button" className="small" onClick={() => void connect()}>
            {c.authorized ? 'Reconnect' : 'Connect'} with {connector.displayName}
          </button>
        )}
        {canManage &&
          (c.status === 'disabled' ? (
            <button type="button" className="secondary small" onClick={() => void setStatus('active')}>
              Enable
            </button>
          ) : (
            <button type="button" className="secondary small" onClick={() => void setStatus('disabled')}>
              Disable
            </button>
          ))}
      </div>
    </article>
  );
}

function RateBudget({ budget, live }: { budget: Record<string, unknown>; live: boolean }) {
  const num = (k: string) => (typeof budget[k] === 'number' ? budget[k] : undefined);
  const limit = num('windowLimit');
  const left = num('windowRemaining');
  const windowMs = num('windowMs');
  const dailyLimit = num('dailyLimit');
  const dailyLeft = num('dailyRemaining');
  const pct = limit && left !== undefined ? Math.max(0, Math.min(100, (left / limit) * 100)) : null;
  return (
    <div data-testid="rate-budget">
      {limit !== undefined && left !== undefined && (
        <div>
          {left} of {limit} requests left per {windowMs ? `${windowMs / 1000} s` : 'window'}
          {pct !== null && (
            <div className="meter" role="img" aria-label={`${Math.round(pct)}% of the window budget left`}>
              <span style={{ width: `${pct}%` }} />
            </div>
          )}
        </div>
      )}
      {dailyLimit !== undefined && dailyLeft !== undefined && (
        <div>
          {dailyLeft.toLocaleString()} of {dailyLimit.toLocaleString()} left today
        </div>
      )}
      {!live && <small className="muted">Last recorded values.</small>}
    </div>
  );
}

function AddConnection({ connectors, onDone }: { connectors: Connector[]; onDone: () => void }) {
  const [vendor, setVendor] = useState(connectors[0]?.id ?? '');
  const connector = connectors.find((c) => c.id === vendor);
  const configSchema = asObjectSchema(connector?.configSchema);
  const credentialsSchema = asObjectSchema(connector?.credentialsSchema);
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [sandbox, setSandbox] = useState(false);
  const [config, setConfig] = useState<FormValues>(() => initialValues(configSchema));
  const [credentials, setCredentials] = useState<FormValues>(() => initialValues(credentialsSchema));
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  const choose = (id: string) => {
    const c = connectors.find((x) => x.id === id);
    setVendor(id);
    setConfig(initialValues(asObjectSchema(c?.configSchema)));
    setCredentials(initialValues(asObjectSchema(c?.credentialsSchema)));
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaving(true);
    try {
      const creds = toPayload(credentialsSchema, credentials);
      await api.post('/api/v1/connections', {
        vendor,
        name,
        ...(baseUrl ? { baseUrl } : {}),
        config: toPayload(configSchema, config),
        ...(Object.keys(creds).length ? { credentials: creds } : {}),
        sandbox,
      });
      toast.success(`Connection ${name} added`);
      await client.invalidateQueries({ queryKey: keys.connections });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
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
        <SchemaFields schema={configSchema} values={config} onChange={setConfig} secret={false} />
      </div>
      {Object.keys(credentialsSchema?.properties ?? {}).length > 0 && (
        <>
          <h3>Credentials</h3>
          <p className="muted">Stored encrypted; never shown again.</p>
          <div className="grid2">
            <SchemaFields schema={credentialsSchema} values={credentials} onChange={setCredentials} secret />
          </div>
        </>
      )}
      {connector && connector.docs.length > 0 && (
        <p className="muted">
          Help:{' '}
          {connector.docs.map((d, i) => (
            <span key={d.url}>
              {i > 0 && ' · '}
              <a href={d.url} target="_blank" rel="noreferrer">
                {d.label}
              </a>
            </span>
          ))}
        </p>
      )}
      {error ? <ErrorMessage error={error} /> : null}
      <button type="submit" disabled={saving}>
        {saving ? 'Adding…' : 'Add connection'}
      </button>
    </form>
  );
}
