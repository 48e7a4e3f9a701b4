/**
 * The app shell: a skip link, the header (workspace switcher, notifications, account), the main navigation and the
 * routed screen. Opens the one event stream for the signed-in workspace.
 */
import { Suspense, useEffect, useState } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api-client.js';
import { openEventStream, type StreamStatus } from './event-stream.js';
import { keys } from './query-keys.js';
import { useSession } from './session.js';
import { Loading } from './ui.js';

const NAV = [
  { to: '/', label: 'Home', end: true },
  { to: '/content', label: 'Content' },
  { to: '/catalog', label: 'Catalog' },
  { to: '/connections', label: 'Connections' },
  { to: '/deliveries', label: 'Deliveries' },
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/audit', label: 'Audit log' },
  { to: '/settings', label: 'Settings' },
] as const;

export function AppLayout() {
  const session = useSession();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const workspaceId = session.me.workspace.id;

  useEffect(() => {
    const stream = openEventStream(client, { onStatus: setStatus });
    return () => stream.close();
  }, [client, workspaceId]);

  const unread = useQuery({
    queryKey: keys.unreadCount,
    queryFn: () => api.get<{ unread: number }>('/api/v1/notifications/unread-count'),
    refetchInterval: 30_000,
  });

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="Switchboard home">
          Switchboard
        </NavLink>
        <label className="workspace-switch">
          <span className="visually-hidden">Workspace</span>
          <select
            value={workspaceId}
            onChange={(e) => {
              session.switchWorkspace(e.target.value);
              void navigate('/');
            }}
          >
            {session.me.workspaces.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name} ({w.role})
              </option>
            ))}
          </select>
        </label>
        <span className={`live-dot live-${status}`} title={`Live updates: ${status}`}>
          <span className="visually-hidden">Live updates: {status}</span>
        </span>
        <div className="topbar-right">
          <NavLink to="/notifications" className="notif-link">
            Notifications
            {unread.data && unread.data.unread > 0 ? (
              <span className="count" aria-label={`${unread.data.unread} unread`}>
                {unread.data.unread}
              </span>
            ) : null}
          </NavLink>
          <span className="whoami" title={session.me.user.email}>
            {session.me.user.name} · <span data-testid="role">{session.role}</span>
          </span>
          <button
            type="button"
            className="secondary small"
            onClick={() => void session.logout().then(() => navigate('/login'))}
          >
            Sign out
          </button>
        </div>
      </header>
      <nav className="mainnav" aria-label="Main">
        {NAV.map((n) => (
          <NavLink key={n.to} to={n.to} end={'end' in n ? n.end : false}>
            {n.label}
          </NavLink>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
