/**
 * Connections data access shared by the Connections screen, the Deliveries ledger (connection names, filters) and
 * the editor's destinations picker. Keys: `['connections']` (list, health) and `['connectors']` (the manifests).
 */
import { useQuery } from '@tanstack/react-query';
import type { Connection, Connector } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';

export function useConnections() {
  return useQuery({
    queryKey: keys.connections,
    queryFn: async () => (await api.get<{ items: Connection[] }>('/api/v1/connections')).items,
  });
}

export function useConnectors() {
  return useQuery({
    queryKey: keys.connectors,
    queryFn: async () => (await api.get<{ items: Connector[] }>('/api/v1/connectors')).items,
    staleTime: 10 * 60_000,
  });
}

/** "HubSpot sandbox [sandbox]" style label of a connection id, or a short id while the list loads. */
export function connectionLabel(connections: readonly Connection[] | undefined, id: string): string {
  return connections?.find((c) => c.id === id)?.label ?? `connection ${id.slice(0, 8)}`;
}
