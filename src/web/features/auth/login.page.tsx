/** Sign in with email and password; a first-run owner signs in with the one-time password printed by `serve`. */
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { login } from '../../app/session.js';
import { keys } from '../../app/query-keys.js';
import { ErrorMessage, Field } from '../../app/ui.js';

export default function LoginPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const client = useQueryClient();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
      client.clear();
      await client.invalidateQueries({ queryKey: keys.me });
      const next = params.get('next');
      await navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="center" id="main">
      <h1>Sign in to Switchboard</h1>
      <form className="panel" onSubmit={(e) => void submit(e)} aria-describedby="login-help">
        <Field label="Email">
          {(p) => (
            <input
              {...p}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password">
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {error ? <ErrorMessage error={error} /> : null}
        <p>
          <button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </p>
        <p id="login-help" className="muted">
          First run? Sign in as the owner with the one-time password that <code>switchboard serve</code>{' '}
          printed; you will choose your own password next.
        </p>
      </form>
    </main>
  );
}
