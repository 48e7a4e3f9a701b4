/**
 * Deliveries data access. The deliveries API arrives with the connectors issue; until a server has it, these
 * return `null` (the route answers 404 ROUTE_NOT_FOUND) and the screens say so instead of failing.
 */
import { useQuery } from '@tanstack/react-query';
import type { Page } from '../../../contracts/index.js';
import { api, isApiError } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';

export interface Delivery {
  id: string;
  status: string;
  connectionId?: string;
  contentId?: string | null;
  action?: string;
  attempts?: number;
  externalId?: string | null;
  externalUrl?: string | null;
  lastError?: { kind?: string; message?: string } | string | null;
  createdAt?: string;
  updatedAt?: string;
  [key: string]: unknown;
}

export async function orNullWhenMissing<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (e) {
    if (isApiError(e) && e.status === 404 && e.code === 'ROUTE_NOT_FOUND') return null;
    throw e;
  }
}

export function useDeliveries(filters: Record<string, string>) {
  return useQuery({
    queryKey: [...keys.deliveries, 'list', filters],
    queryFn: () =>
      orNullWhenMissing(() => api.get<Page<Delivery>>('/api/v1/deliveries', { limit: 200, ...filters })),
  });
}

/** Failed and unknown deliveries (for Home); null when the server has no deliveries API. */
export function useDeliveryProblems() {
  return useQuery({
    queryKey: [...keys.deliveries, 'problems'],
    queryFn: async () => {
      const failed = await orNullWhenMissing(() =>
        api.get<Page<Delivery>>('/api/v1/deliveries', { status: 'failed', limit: 200 }),
      );
      if (failed === null) return null;
      const unknown = await api.get<Page<Delivery>>('/api/v1/deliveries', { status: 'unknown', limit: 200 });
      return [...failed.items, ...unknown.items];
    },
  });
}
