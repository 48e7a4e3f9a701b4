/**
 * Routes. Every screen is its own chunk (React.lazy), so the first load carries only the shell; the sign-in gate
 * sends anonymous visitors to /login and a one-time-password session to the "choose a password" step.
 */
import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, useLocation } from 'react-router';
import { AppLayout } from './layout.js';
import { SessionProvider, useMeQuery } from './session.js';
import { ErrorMessage, Loading } from './ui.js';

/** Each screen's chunk loader: `lazy` renders it, `preloadScreen` starts it early. */
const screens = {
  login: () => import('../features/auth/login.page.js'),
  changePassword: () => import('../features/auth/change-password.page.js'),
  home: () => import('../features/home/home.page.js'),
  board: () => import('../features/content/board.page.js'),
  newContent: () => import('../features/content/new-content.page.js'),
  editor: () => import('../features/content/editor.page.js'),
  reviewLink: () => import('../features/reviews/review-link.page.js'),
  catalog: () => import('../features/catalog/catalog.page.js'),
  audit: () => import('../features/audit/audit.page.js'),
  notifications: () => import('../features/notifications/notifications.page.js'),
  settings: () => import('../features/settings/settings.page.js'),
  connections: () => import('../features/connections/connections.page.js'),
  deliveries: () => import('../features/deliveries/deliveries.page.js'),
  webhooks: () => import('../features/webhooks/webhooks.page.js'),
} as const;

const LoginPage = lazy(screens.login);
const ChangePasswordPage = lazy(screens.changePassword);
const HomePage = lazy(screens.home);
const BoardPage = lazy(screens.board);
const NewContentPage = lazy(screens.newContent);
const EditorPage = lazy(screens.editor);
const ReviewLinkPage = lazy(screens.reviewLink);
const CatalogPage = lazy(screens.catalog);
const AuditPage = lazy(screens.audit);
const NotificationsPage = lazy(screens.notifications);
const SettingsPage = lazy(screens.settings);
const ConnectionsPage = lazy(screens.connections);
const DeliveriesPage = lazy(screens.deliveries);
const WebhooksPage = lazy(screens.webhooks);

/** Which screen a first load lands on (the top-level segment decides), or null for none worth preloading. */
export function screenFor(pathname: string): keyof typeof screens | null {
  const [first = '', second] = pathname.split('/').filter(Boolean);
  if (first === '') return 'home';
  if (first === 'content') return second === undefined ? 'board' : second === 'new' ? 'newContent' : 'editor';
  if (first === 'review') return 'reviewLink';
  const direct: Record<string, keyof typeof screens> = {
    login: 'login',
    catalog: 'catalog',
    audit: 'audit',
    notifications: 'notifications',
    settings: 'settings',
    connections: 'connections',
    deliveries: 'deliveries',
    webhooks: 'webhooks',
  };
  return direct[first] ?? null;
}

/** Starts loading the chunk of the screen at `pathname` (in parallel with the session check). */
export function preloadScreen(pathname: string): void {
  const screen = screenFor(pathname);
  if (screen) void screens[screen]().catch(() => undefined);
}

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
