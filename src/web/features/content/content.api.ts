/**
 * Content data access for the board and the editor: queries under `['content', …]` and the mutations that change an
 * item. Writes send `If-Match: "<version>"`, so a stale editor gets 409 CONTENT_VERSION_CONFLICT instead of
 * overwriting someone.
 */
import { useQuery } from '@tanstack/react-query';
import type {
  ContentDetail,
  ContentDiff,
  ContentEditResult,
  ContentHistory,
  ContentSummary,
  ContentVersion,
  DiffSinceApproval,
  Page,
  TransitionResult,
  WorkflowDefinition,
} from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';

export interface WorkflowRecord {
  key: string;
  version: number;
  builtIn: boolean;
  definition: WorkflowDefinition;
}

export interface ContentFilters {
  type?: string;
  tag?: string;
  state?: string;
}

/** Every item matching the filters (the board shows them all; pages of 500 until the end, at most 2,000). */
export async function fetchAllContent(filters: ContentFilters): Promise<ContentSummary[]> {
  const all: ContentSummary[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 4; i++) {
    const page: Page<ContentSummary> = await api.get('/api/v1/content', {
      ...filters,
      limit: 500,
      cursor: cursor ?? undefined,
    });
    all.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return all;
}

export function useContentList(filters: ContentFilters) {
  const clean = Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) as Record<string, string>;
  return useQuery({ queryKey: keys.contentList(clean), queryFn: () => fetchAllContent(clean) });
}

export function useContent(id: string) {
  return useQuery({
    queryKey: keys.content(id),
    queryFn: () => api.get<ContentDetail>(`/api/v1/content/${id}`),
  });
}

export function useWorkflows() {
  return useQuery({
    queryKey: keys.workflows,
    queryFn: () => api.get<Page<WorkflowRecord>>('/api/v1/workflows'),
    staleTime: 5 * 60_000,
  });
}

export function useWorkflow(key: string | undefined, version: number | undefined) {
  return useQuery({
    queryKey: [...keys.workflow(key ?? ''), version ?? 'latest'],
    queryFn: () => api.get<WorkflowRecord>(`/api/v1/workflows/${encodeURIComponent(key!)}`, { version }),
    enabled: !!key,
    staleTime: 10 * 60_000,
  });
}

export function useVersions(id: string) {
  return useQuery({
    queryKey: keys.contentPart(id, 'versions'),
    queryFn: () => api.get<Page<ContentVersion>>(`/api/v1/content/${id}/versions`),
  });
}

export function useHistory(id: string) {
  return useQuery({
    queryKey: keys.contentPart(id, 'history'),
    queryFn: () => api.get<ContentHistory>(`/api/v1/content/${id}/history`),
  });
}

export function useDiff(id: string, from: number | null, to: number | null) {
  return useQuery({
    queryKey: keys.contentPart(id, 'diff', from ?? 0, to ?? 0),
    queryFn: () => api.get<ContentDiff>(`/api/v1/content/${id}/diff`, { from, to }),
    enabled: from !== null && to !== null && from !== to,
  });
}

/** null when the item was never approved (the API answers 404 then). */
export function useDiffSinceApproval(id: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.contentPart(id, 'diff-since-approval'),
    queryFn: async () => {
      try {
        return await api.get<DiffSinceApproval>(`/api/v1/content/${id}/diff-since-approval`);
      } catch (e) {
        if (e instanceof Error && 'status' in e && (e as { status: number }).status === 404) return null;
        throw e;
      }
    },
    enabled,
  });
}

const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });

export function saveContent(id: string, version: number, patch: Record<string, unknown>) {
  return api.patch<ContentEditResult>(`/api/v1/content/${id}`, patch, ifMatch(version));
}

export function transitionContent(id: string, version: number, action: string, reason?: string) {
  return api.post<TransitionResult>(
    `/api/v1/content/${id}/transitions`,
    { action, ...(reason ? { reason } : {}) },
    ifMatch(version),
  );
}

export function restoreVersion(id: string, currentVersion: number, version: number) {
  return api.post<ContentEditResult>(
    `/api/v1/content/${id}/versions/${version}/restore`,
    {},
    ifMatch(currentVersion),
  );
}

export function createContent(body: Record<string, unknown>) {
  return api.post<ContentDetail>('/api/v1/content', body);
}
