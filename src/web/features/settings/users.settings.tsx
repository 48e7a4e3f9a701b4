/** Users and roles: members of the workspace, and inviting someone with a role and a one-time password. */
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { WORKSPACE_ROLES, rankOf, type Page, type WorkspaceRole } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { Field, QueryView, formatDate } from '../../app/ui.js';

interface Member {
  id: string;
  email: string;
  name: string;
  role: WorkspaceRole;
  disabled: boolean;
  mustChangePassword: boolean;
  joinedAt: string;
}

function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(15));
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return chars.match(/.{1,5}/g)!.join('-');
}

export default function UsersSettings() {
  const session = useSession();
  const users = useQuery({ queryKey: keys.users, queryFn: () => api.get<Page<Member>>('/api/v1/users') });
  const client = useQueryClient();
  const toast = useToast();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<WorkspaceRole>('editor');
  const [invited, setInvited] = useState<{ email: string; password: string } | null>(null);

  const invite = async (e: FormEvent) => {
    e.preventDefault();
    const password = generatePassword();
    try {
      await api.post('/api/v1/users', {
        email,
        name: name || undefined,
        role,
        password,
        mustChangePassword: true,
      });
      setInvited({ email, password });
      setEmail('');
      setName('');
      await client.invalidateQueries({ queryKey: keys.users });
    } catch (err) {
      toast.error(err, 'Not invited');
    }
  };

  const assignable = WORKSPACE_ROLES.filter((r) => rankOf(r) <= rankOf(session.role));
  return (
    <div>
      <h2>Invite someone</h2>
      <form className="panel filters" onSubmit={(e) => void invite(e)} aria-label="Invite a user">
        <Field label="Email">
          {(p) => (
            <input {...p} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          )}
        </Field>
        <Field label="Name">
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Role">
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as WorkspaceRole)}>
              {assignable.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit">Invite</button>
      </form>
      {invited && (
        <div className="secret" role="status">
          Send {invited.email} this one-time password (shown once): <strong>{invited.password}</strong>. They
          choose their own at first sign-in.{' '}
          <button type="button" className="secondary small" onClick={() => setInvited(null)}>
            Done
          </button>
        </div>
      )}
      <h2>Members</h2>
      <QueryView query={users} isEmpty={(d) => d.items.length === 0} empty="No members.">
        {(d) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Email</th>
                  <th>Role</th>
                  <th>Status</th>
                  <th>Joined</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((u) => (
                  <tr key={u.id}>
                    <td>{u.name}</td>
                    <td>{u.email}</td>
                    <td>{u.role}</td>
                    <td>{u.disabled ? 'disabled' : u.mustChangePassword ? 'invited' : 'active'}</td>
                    <td>{formatDate(u.joinedAt)}</td>
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
