/**
 * The signed-in session: `/auth/me` (user, workspace in use, all workspaces, CSRF token) as a query, plus login,
 * logout and workspace switching. Screens read it with `useSession()`; the role decides which controls they show
 * (the server decides what is allowed; hiding is only a courtesy).
 */
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { rankOf, type Me, type WorkspaceRole, type LoginResult } from '../../contracts/index.js';
import { api, isApiError, onUnauthenticated, selectWorkspace, setCsrfToken } from './api-client.js';
import { keys } from './query-keys.js';

export interface Session {
  me: Me;
  role: WorkspaceRole;
  atLeast(role: WorkspaceRole): boolean;
  switchWorkspace(id: string): void;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export async function fetchMe(): Promise<Me> {
  const me = await api.get<Me>('/api/v1/auth/me');
  setCsrfToken(me.csrfToken);
  return me;
}

export async function login(email: string, password: string): Promise<LoginResult> {
  const result = await api.post<LoginResult>('/api/v1/auth/login', { email, password });
  setCsrfToken(result.csrfToken);
  return result;
}

/**
 * The signed-in user, or null when signed out. A stored workspace we are no longer a member of falls back to the
 * default one. `main.tsx` starts this before the first render, in parallel with the shell's scripts.
 */
export async function loadMe(): Promise<Me | null> {
  try {
    return await fetchMe();
  } catch (e) {
    if (isApiError(e) && e.status === 401) return null;
    if (isApiError(e) && e.code === 'FORBIDDEN') {
      selectWorkspace(null);
      return fetchMe();
    }
    throw e;
  }
}

/** Options of the `/auth/me` query, shared by the early prefetch and `useMeQuery`. */
export const ME_QUERY = { queryKey: keys.me, queryFn: loadMe, retry: false, staleTime: 60_000 } as const;

export function useMeQuery() {
  const client = useQueryClient();
  useEffect(() => {
    onUnauthenticated(() => client.setQueryData(keys.me, null));
    return () => onUnauthenticated(null);
  }, [client]);
  return useQuery<Me | null>({ ...ME_QUERY });
}

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  const client = useQueryClient();
  const value = useMemo<Session>(
    () => ({
      me,
      role: me.workspace.role,
      atLeast: (role) => rankOf(me.workspace.role) >= rankOf(role),
      switchWorkspace: (id) => {
        selectWorkspace(id);
        client.clear();
        void client.invalidateQueries();
      },
      logout: async () => {
        try {
          await api.post('/api/v1/auth/logout');
        } finally {
          setCsrfToken(null);
          client.clear();
          client.setQueryData(keys.me, null);
        }
      },
    }),
    [me, client],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
