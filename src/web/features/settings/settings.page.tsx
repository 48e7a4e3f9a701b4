/** Settings: users and roles, API tokens, workflow definitions, notification preferences, workspaces, password. */
import { lazy } from 'react';
import { NavLink, Route, Routes } from 'react-router';
import { useSession } from '../../app/session.js';

const UsersSettings = lazy(() => import('./users.settings.js'));
const TokensSettings = lazy(() => import('./tokens.settings.js'));
const WorkflowsSettings = lazy(() => import('./workflows.settings.js'));
const PreferencesSettings = lazy(() => import('./preferences.settings.js'));
const WorkspacesSettings = lazy(() => import('./workspaces.settings.js'));
const ChangePasswordPage = lazy(() => import('../auth/change-password.page.js'));

export default function SettingsPage() {
  const session = useSession();
  const tabs = [
    session.atLeast('admin') ? { to: 'users', label: 'Users and roles' } : null,
    { to: 'tokens', label: 'API tokens' },
    { to: 'workflows', label: 'Workflows' },
    { to: 'notifications', label: 'Notifications' },
    { to: 'workspaces', label: 'Workspaces' },
    { to: 'password', label: 'Password' },
  ].filter((t): t is { to: string; label: string } => t !== null);
  return (
    <section>
      <h1>Settings</h1>
      <nav className="subnav" aria-label="Settings">
        {tabs.map((t) => (
          <NavLink key={t.to} to={`/settings/${t.to}`}>
            {t.label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={session.atLeast('admin') ? <UsersSettings /> : <TokensSettings />} />
        <Route path="users" element={<UsersSettings />} />
        <Route path="tokens" element={<TokensSettings />} />
        <Route path="workflows" element={<WorkflowsSettings />} />
        <Route path="notifications" element={<PreferencesSettings />} />
        <Route path="workspaces" element={<WorkspacesSettings />} />
        <Route path="password" element={<ChangePasswordPage />} />
      </Routes>
    </section>
  );
}
