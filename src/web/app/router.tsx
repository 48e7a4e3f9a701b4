/**
 * Routes. Every screen is its own chunk (React.lazy), so the first load carries only the shell; the sign-in gate
 * sends anonymous visitors to /login and a one-time-password session to the "choose a password" step.
 */
import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, useLocation } from 'react-router';
import { AppLayout } from './layout.js';
import { SessionProvider, useMeQuery } from './session.js';
import { ErrorMessage, Loading } from './ui.js';

const LoginPage = lazy(() => import('../features/auth/login.page.js'));
const ChangePasswordPage = lazy(() => import('../features/auth/change-password.page.js'));
const HomePage = lazy(() => import('../features/home/home.page.js'));
const BoardPage = lazy(() => import('../features/content/board.page.js'));
const NewContentPage = lazy(() => import('../features/content/new-content.page.js'));
const EditorPage = lazy(() => import('../features/content/editor.page.js'));
const ReviewLinkPage = lazy(() => import('../features/reviews/review-link.page.js'));
const CatalogPage = lazy(() => import('../features/catalog/catalog.page.js'));
const AuditPage = lazy(() => import('../features/audit/audit.page.js'));
const NotificationsPage = lazy(() => import('../features/notifications/notifications.page.js'));
const SettingsPage = lazy(() => import('../features/settings/settings.page.js'));
const ConnectionsPage = lazy(() => import('../features/connections/connections.page.js'));
const DeliveriesPage = lazy(() => import('../features/deliveries/deliveries.page.js'));
const WebhooksPage = lazy(() => import('../features/webhooks/webhooks.page.js'));

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

function SignedIn() {
  const me = useMeQuery();
  const location = useLocation();
  if (me.isPending) return <Loading label="Starting Switchboard…" />;
  if (me.isError)
    return (
      <main className="center">
        <ErrorMessage error={me.error} onRetry={() => void me.refetch()} />
      </main>
    );
  if (!me.data) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (me.data.user.mustChangePassword)
    return (
      <Page>
        <ChangePasswordPage firstRun />
      </Page>
    );
  return (
    <SessionProvider me={me.data}>
      <AppLayout />
    </SessionProvider>
  );
}

export function createAppRouter() {
  return createBrowserRouter([
    {
      path: '/login',
      element: (
        <Page>
          <LoginPage />
        </Page>
      ),
    },
    {
      path: '/review/:token',
      element: (
        <Page>
          <ReviewLinkPage />
        </Page>
      ),
    },
    {
      path: '/',
      element: <SignedIn />,
      children: [
        { index: true, element: <HomePage /> },
        { path: 'content', element: <BoardPage /> },
        { path: 'content/new', element: <NewContentPage /> },
        { path: 'content/:id', element: <EditorPage /> },
        { path: 'catalog', element: <CatalogPage /> },
        { path: 'audit', element: <AuditPage /> },
        { path: 'notifications', element: <NotificationsPage /> },
        { path: 'settings/*', element: <SettingsPage /> },
        { path: 'connections/*', element: <ConnectionsPage /> },
        { path: 'deliveries/*', element: <DeliveriesPage /> },
        { path: 'webhooks/*', element: <WebhooksPage /> },
        { path: '*', element: <NotFound /> },
      ],
    },
  ]);
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        This address does not match a screen. <a href="/">Go home</a>.
      </p>
    </section>
  );
}
