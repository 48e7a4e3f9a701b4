/**
 * Entry point: one QueryClient (per-entity keys, refreshed by the event stream rather than by polling), toasts,
 * and the router.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { isApiError } from './app/api-client.js';
import { createAppRouter, preloadScreen } from './app/router.js';
import { ME_QUERY } from './app/session.js';
import { ToastProvider } from './app/toasts.js';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: true,
      // 4xx answers are final; retry only network and server trouble, once.
      retry: (count, e) => count < 1 && !(isApiError(e) && e.status >= 400 && e.status < 500),
    },
  },
});

// First load: ask who is signed in and fetch the landing screen's chunk at once, in parallel, instead of one after
// the other behind the sign-in gate (the public review page needs neither session nor shell).
const path = window.location.pathname;
if (!path.startsWith('/review/')) {
  if (path !== '/login') void queryClient.prefetchQuery({ ...ME_QUERY });
  preloadScreen(path);
}

const router = createAppRouter();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <RouterProvider router={router} />
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
);
