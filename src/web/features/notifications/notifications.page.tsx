/** Notifications: newest first, mark read one by one or all at once; unread ones are emphasised. */
import { Link } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Page } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useToast } from '../../app/toasts.js';
import { QueryView, formatDate } from '../../app/ui.js';

interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string;
  subject: string;
  data: Record<string, unknown>;
  readAt: string | null;
  createdAt: string;
}

function linkOf(n: Notification): string | null {
  const contentId = typeof n.data.contentId === 'string' ? n.data.contentId : null;
  if (contentId) return `/content/${contentId}`;
  const m = /^content:(.+)$/.exec(n.subject);
  return m ? `/content/${m[1]}` : null;
}

export default function NotificationsPage() {
  const client = useQueryClient();
  const toast = useToast();
  const list = useQuery({
    queryKey: keys.notificationList,
    queryFn: () => api.get<Page<Notification>>('/api/v1/notifications', { limit: 100 }),
  });
  const markAll = async () => {
    try {
      const r = await api.post<{ marked: number }>('/api/v1/notifications/read-all');
      toast.success(`Marked ${r.marked} read`);
      await client.invalidateQueries({ queryKey: keys.notifications });
    } catch (e) {
      toast.error(e);
    }
  };
  const markOne = async (id: string) => {
    try {
      await api.post(`/api/v1/notifications/${id}/read`);
      await client.invalidateQueries({ queryKey: keys.notifications });
    } catch (e) {
      toast.error(e);
    }
  };
  return (
    <section>
      <div className="row spread">
        <h1>Notifications</h1>
        <button type="button" className="secondary" onClick={() => void markAll()}>
          Mark all read
        </button>
      </div>
      <QueryView
        query={list}
        isEmpty={(d) => d.items.length === 0}
        empty="No notifications. You are all caught up."
      >
        {(d) => (
          <ul className="list panel">
            {d.items.map((n) => {
              const href = linkOf(n);
              return (
                <li key={n.id} className="row spread">
                  <span>
                    {n.readAt ? n.title : <strong>{n.title}</strong>}{' '}
                    <span className="badge">{n.kind.replace('_', ' ')}</span>
                    <br />
                    <span className="muted">
                      {n.body} · {formatDate(n.createdAt)}
                    </span>{' '}
                    {href && <Link to={href}>Open</Link>}
                  </span>
                  {!n.readAt && (
                    <button type="button" className="secondary small" onClick={() => void markOne(n.id)}>
                      Mark read
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </QueryView>
    </section>
  );
}
