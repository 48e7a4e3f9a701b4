/**
 * Query keys, one family per entity, so an event can invalidate exactly what it changes:
 * `['content', id]` is one item and everything under it (versions, history, comments …);
 * `['content', 'list', filters]` are board and list pages.
 */
export const keys = {
  me: ['me'] as const,
  contentAll: ['content'] as const,
  contentLists: ['content', 'list'] as const,
  contentList: (filters: Record<string, string>) => ['content', 'list', filters] as const,
  content: (id: string) => ['content', id] as const,
  contentPart: (id: string, part: string, ...rest: (string | number)[]) =>
    ['content', id, part, ...rest] as const,
  workflows: ['workflows'] as const,
  workflow: (key: string) => ['workflows', key] as const,
  users: ['users'] as const,
  tokens: ['tokens'] as const,
  workspaces: ['workspaces'] as const,
  notifications: ['notifications'] as const,
  notificationList: ['notifications', 'list'] as const,
  unreadCount: ['notifications', 'unread'] as const,
  notificationPrefs: ['notifications', 'preferences'] as const,
  reviewRequests: ['review-requests'] as const,
  audit: (filters: Record<string, string>) => ['audit', filters] as const,
  products: ['catalog', 'products'] as const,
  bundles: ['catalog', 'bundles'] as const,
  propagation: (productId: string) => ['catalog', 'products', productId, 'propagation'] as const,
  connections: ['connections'] as const,
  connectors: ['connectors'] as const,
  deliveries: ['deliveries'] as const,
  webhooks: ['webhooks'] as const,
  publicReview: (token: string) => ['review-link', token] as const,
};
