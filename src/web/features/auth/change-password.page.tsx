/** Choose a new password: required after signing in with a one-time password (first run, invited users). */
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, setCsrfToken } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { ErrorMessage, Field } from '../../app/ui.js';

export default function ChangePasswordPage({ firstRun = false }: { firstRun?: boolean }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const client = useQueryClient();
  const mismatch = confirm !== '' && confirm !== next;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setError(null);
    try {
      const res = await api.post<{ csrfToken: string }>('/api/v1/auth/password', {
        currentPassword: current,
        newPassword: next,
      });
      setCsrfToken(res.csrfToken);
      setDone(true);
      setCurrent('');
      setNext('');
      setConfirm('');
      await client.invalidateQueries({ queryKey: keys.me });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className={firstRun ? 'center' : undefined}>
      <h1>{firstRun ? 'Choose your password' : 'Change password'}</h1>
      {firstRun && <p>You signed in with a one-time password. Choose your own to continue.</p>}
      <form className="panel" onSubmit={(e) => void submit(e)}>
        <Field label={firstRun ? 'One-time password' : 'Current password'}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              required
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          )}
        </Field>
        <Field label="New password" hint="At least 12 characters.">
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              required
              minLength={12}
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          )}
        </Field>
        <Field label="Repeat new password" error={mismatch ? 'The passwords differ' : null}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              required
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
            />
          )}
        </Field>
        {error ? <ErrorMessage error={error} /> : null}
        {done && !firstRun ? <p role="status">Password changed.</p> : null}
        <button type="submit" disabled={mismatch}>
          Save password
        </button>
      </form>
    </section>
  );
}
