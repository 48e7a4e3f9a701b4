/** API tokens: create one with a role (its secret is shown once), list them masked, revoke. */
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { WORKSPACE_ROLES, rankOf, type Page, type WorkspaceRole } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { Field, QueryView, formatDate } from '../../app/ui.js';

interface Token {
  id: string;
  name: string;
  role: WorkspaceRole;
  prefix: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export default function TokensSettings() {
  const session = useSession();
  const tokens = useQuery({ queryKey: keys.tokens, queryFn: () => api.get<Page<Token>>('/api/v1/tokens') });
  const client = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState('');
  const [role, setRole] = useState<WorkspaceRole>(session.role === 'viewer' ? 'viewer' : 'editor');
  const [secret, setSecret] = useState<string | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const t = await api.post<Token & { token: string }>('/api/v1/tokens', { name, role });
      setSecret(t.token);
      setName('');
      await client.invalidateQueries({ queryKey: keys.tokens });
    } catch (err) {
      toast.error(err, 'Token not created');
    }
  };
  const revoke = async (t: Token) => {
    try {
      await api.delete(`/api/v1/tokens/${t.id}`);
      toast.success(`Revoked ${t.name}`);
      await client.invalidateQueries({ queryKey: keys.tokens });
    } catch (err) {
      toast.error(err, 'Not revoked');
    }
  };

  return (
    <div>
      <h2>Create a token</h2>
      <form className="panel filters" onSubmit={(e) => void create(e)} aria-label="Create an API token">
        <Field label="Name">
          {(p) => <input {...p} required value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Role">
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as WorkspaceRole)}>
              {WORKSPACE_ROLES.filter((r) => rankOf(r) <= rankOf(session.role)).map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit">Create token</button>
      </form>
      {secret && (
        <div className="secret" role="status" data-testid="token-secret">
          <p>Copy this token now; it will not be shown again:</p>
          <code>{secret}</code>
          <div className="row">
            <button
              type="button"
              className="secondary small"
              onClick={() => void navigator.clipboard?.writeText(secret)}
            >
              Copy
            </button>
            <button type="button" className="secondary small" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <h2>Active tokens</h2>
      <QueryView query={tokens} isEmpty={(d) => d.items.length === 0} empty="No tokens.">
        {(d) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Token</th>
                  <th>Role</th>
                  <th>Last used</th>
                  <th>Expires</th>
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>
                      <code>{t.prefix}••••••••</code>
                    </td>
                    <td>{t.role}</td>
                    <td>{formatDate(t.lastUsedAt)}</td>
                    <td>{t.expiresAt ? formatDate(t.expiresAt) : 'never'}</td>
                    <td>
                      <button type="button" className="secondary small" onClick={() => void revoke(t)}>
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </div>
  );
}
