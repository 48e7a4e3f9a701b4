/** Workspaces: the ones I belong to (switch from the header) and creating a new one. */
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { Field } from '../../app/ui.js';
import { slugify } from '../content/content-fields.js';

export default function WorkspacesSettings() {
  const session = useSession();
  const client = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState('');
  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const ws = await api.post<{ id: string; name: string }>('/api/v1/workspaces', {
        name,
        slug: slugify(name),
      });
      toast.success(`Created ${ws.name}`);
      setName('');
      await client.invalidateQueries({ queryKey: keys.me });
    } catch (err) {
      toast.error(err, 'Not created');
    }
  };
  return (
    <div>
      <ul className="list panel">
        {session.me.workspaces.map((w) => (
          <li key={w.id} className="row spread">
            <span>
              <strong>{w.name}</strong> <code>{w.slug}</code> · {w.role}
              {w.id === session.me.workspace.id && <span className="badge">current</span>}
            </span>
            {w.id !== session.me.workspace.id && (
              <button type="button" className="secondary small" onClick={() => session.switchWorkspace(w.id)}>
                Switch
              </button>
            )}
          </li>
        ))}
      </ul>
      <form className="panel filters" onSubmit={(e) => void create(e)} aria-label="Create a workspace">
        <Field label="New workspace name">
          {(p) => <input {...p} required value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <button type="submit">Create workspace</button>
      </form>
    </div>
  );
}
