/**
 * Deliveries data access: the ledger (pages by cursor), one delivery with its attempts, the per-destination results
 * and destinations of a content item, and the ledger's decisions (replay, bulk replay, resolve). Query keys sit under
 * `['deliveries', …]` and `['content', id, …]`, so `delivery.*` events from the stream refresh every open view.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type {
  BulkReplayResult,
  ContentDeliveries,
  Delivery,
  DeliveryDetail,
  Destination,
  Page,
  ResolveOutcome,
} from '../../../contracts/index.js';
import { api, isApiError } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';

export type { Delivery };

/** `null` when the server answers 404 ROUTE_NOT_FOUND (an older server without that API). */
export async function orNullWhenMissing<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (e) {
    if (isApiError(e) && e.status === 404 && e.code === 'ROUTE_NOT_FOUND') return null;
    throw e;
  }
}

export interface DeliveryFilters {
  status?: string;
  connectionId?: string;
  contentId?: string;
}

const PAGE_SIZE = 50;

/** The ledger, newest first, one page of 50 at a time ("Load more" fetches the next). */
export function useDeliveryLedger(filters: DeliveryFilters) {
  const clean = Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) as Record<string, string>;
  return useInfiniteQuery({
    queryKey: [...keys.deliveries, 'list', clean],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api.get<Page<Delivery>>('/api/v1/deliveries', {
        ...clean,
        limit: PAGE_SIZE,
        ...(pageParam ? { cursor: pageParam } : {}),
      }),
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useDelivery(id: string) {
  return useQuery({
    queryKey: [...keys.deliveries, 'one', id],
    queryFn: () => api.get<DeliveryDetail>(`/api/v1/deliveries/${id}`),
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

/** Per-destination results of a content item (status, external link) and all its deliveries. */
export function useContentDeliveries(contentId: string) {
  return useQuery({
    queryKey: keys.contentPart(contentId, 'deliveries'),
    queryFn: () => api.get<ContentDeliveries>(`/api/v1/content/${contentId}/deliveries`),
  });
}

export function useDestinations(contentId: string) {
  return useQuery({
    queryKey: keys.contentPart(contentId, 'destinations'),
    queryFn: () => api.get<{ destinations: Destination[] }>(`/api/v1/content/${contentId}/destinations`),
  });
}

export function saveDestinations(contentId: string, destinations: Destination[]) {
  return api.put<{ destinations: Destination[] }>(`/api/v1/content/${contentId}/destinations`, {
    destinations,
  });
}

export function replayDelivery(id: string) {
  return api.post<Delivery>(`/api/v1/deliveries/${id}/replay`);
}

export function replayFailed(connectionId: string) {
  return api.post<BulkReplayResult>('/api/v1/deliveries/replay', { connectionId });
}

export interface ResolveInput {
  outcome: ResolveOutcome;
  note: string;
  externalId?: string;
  externalUrl?: string;
}

export function resolveDelivery(id: string, input: ResolveInput) {
  return api.post<Delivery>(`/api/v1/deliveries/${id}/resolve`, input);
}

/** Human names of the ledger's statuses and actions. */
export const STATUS_LABELS: Record<string, string> = {
  pending: 'Pending',
  in_flight: 'Sending',
  succeeded: 'Succeeded',
  failed: 'Failed',
  unknown: 'Unknown outcome',
  reconciled: 'Reconciled',
};

export const ACTION_LABELS: Record<string, string> = {
  publishContent: 'Publish content',
  unpublishContent: 'Unpublish content',
  createCampaign: 'Create campaign',
  uploadAsset: 'Upload asset',
};

export function statusBadgeClass(status: string | null | undefined): string {
  if (status === 'succeeded' || status === 'reconciled') return 'badge badge-good';
  if (status === 'failed' || status === 'unknown') return 'badge badge-bad';
  return 'badge';
}
