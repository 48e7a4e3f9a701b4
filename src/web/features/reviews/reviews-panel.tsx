/**
 * Reviews of one item: review requests to members (admins pick from the member list) and signed reviewer links for
 * people without an account. A new link's URL is shown once, then only its status.
 */
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ContentDetail, Page } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Field, Loading, formatDate } from '../../app/ui.js';

interface ReviewRequest {
  id: string;
  reviewerUserId: string;
  message: string;
  status: 'pending' | 'completed' | 'cancelled';
  createdAt: string;
}
interface ReviewerLink {
  id: string;
  reviewerName: string;
  reviewerEmail: string | null;
  expiresAt: string;
  status: 'active' | 'used' | 'revoked' | 'expired';
  decision: 'approve' | 'reject' | null;
  createdAt: string;
}
interface Member {
  id: string;
  name: string;
  email: string;
  role: string;
}

export default function ReviewsPanel({ item }: { item: ContentDetail }) {
  const session = useSession();
  const client = useQueryClient();
  const toast = useToast();
  const requests = useQuery({
    queryKey: keys.contentPart(item.id, 'review-requests'),
    queryFn: () => api.get<Page<ReviewRequest>>(`/api/v1/content/${item.id}/review-requests`, { limit: 100 }),
  });
  const links = useQuery({
    queryKey: keys.contentPart(item.id, 'reviewer-links'),
    queryFn: () => api.get<Page<ReviewerLink>>(`/api/v1/content/${item.id}/reviewer-links`),
    enabled: session.atLeast('editor'),
  });
  const members = useQuery({
    queryKey: keys.users,
    queryFn: () => api.get<Page<Member>>('/api/v1/users'),
    enabled: session.atLeast('admin'),
  });
  const nameOf = (id: string) => {
    const m = members.data?.items.find((u) => u.id === id);
    return m ? m.name || m.email : id === session.me.user.id ? 'you' : `user ${id.slice(0, 8)}`;
  };

  const [reviewer, setReviewer] = useState('');
  const [linkName, setLinkName] = useState('');
  const [linkEmail, setLinkEmail] = useState('');
  const [hours, setHours] = useState(72);
  const [created, setCreated] = useState<{ url: string; name: string } | null>(null);

  const requestReview = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post(`/api/v1/content/${item.id}/review-requests`, { reviewerUserIds: [reviewer] });
      toast.success(`Asked ${nameOf(reviewer)} to review`);
      setReviewer('');
      await client.invalidateQueries({ queryKey: keys.contentPart(item.id, 'review-requests') });
    } catch (err) {
      toast.error(err, 'Review not requested');
    }
  };

  const createLink = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const link = await api.post<{ url: string; reviewerName: string }>(
        `/api/v1/content/${item.id}/reviewer-links`,
        {
          reviewerName: linkName,
          ...(linkEmail ? { reviewerEmail: linkEmail } : {}),
          expiresInHours: hours,
        },
      );
      setCreated({ url: link.url, name: link.reviewerName });
      setLinkName('');
      setLinkEmail('');
      await client.invalidateQueries({ queryKey: keys.contentPart(item.id, 'reviewer-links') });
    } catch (err) {
      toast.error(err, 'Link not created');
    }
  };

  const revoke = async (id: string) => {
    try {
      await api.post(`/api/v1/reviewer-links/${id}/revoke`);
      toast.success('Link revoked');
      await client.invalidateQueries({ queryKey: keys.contentPart(item.id, 'reviewer-links') });
    } catch (err) {
      toast.error(err, 'Not revoked');
    }
  };

  return (
    <div>
      <h3>Review requests</h3>
      {requests.isPending ? (
        <Loading />
      ) : requests.isError ? (
        <ErrorMessage error={requests.error} />
      ) : requests.data.items.length === 0 ? (
        <p className="muted">No review requests.</p>
      ) : (
        <ul className="list">
          {requests.data.items.map((r) => (
            <li key={r.id}>
              {nameOf(r.reviewerUserId)} · <span className="badge">{r.status}</span> ·{' '}
              {formatDate(r.createdAt)}
              {r.message && <div className="muted">{r.message}</div>}
            </li>
          ))}
        </ul>
      )}
      {session.atLeast('admin') && members.data && (
        <form className="row" onSubmit={(e) => void requestReview(e)} aria-label="Request a review">
          <Field label="Ask a member to review">
            {(p) => (
              <select {...p} required value={reviewer} onChange={(e) => setReviewer(e.target.value)}>
                <option value="">Choose…</option>
                {members.data.items
                  .filter((m) => m.id !== session.me.user.id && m.role !== 'viewer')
                  .map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name || m.email} ({m.role})
                    </option>
                  ))}
              </select>
            )}
          </Field>
          <button type="submit" disabled={!reviewer}>
            Request review
          </button>
        </form>
      )}

      {session.atLeast('editor') && (
        <>
          <h3>External reviewer links</h3>
          {created && (
            <div className="secret" role="status" data-testid="reviewer-link-url">
              <p>Link for {created.name} (shown once; copy it now):</p>
              <a href={created.url}>{created.url}</a>
              <div className="row">
                <button
                  type="button"
                  className="secondary small"
                  onClick={() => void navigator.clipboard?.writeText(created.url)}
                >
                  Copy
                </button>
                <button type="button" className="secondary small" onClick={() => setCreated(null)}>
                  Done
                </button>
              </div>
            </div>
          )}
          <form onSubmit={(e) => void createLink(e)} aria-label="Create a reviewer link">
            <div className="grid2">
              <Field label="Reviewer name">
                {(p) => (
                  <input {...p} required value={linkName} onChange={(e) => setLinkName(e.target.value)} />
                )}
              </Field>
              <Field label="Reviewer email (optional)">
                {(p) => (
                  <input
                    {...p}
                    type="email"
                    value={linkEmail}
                    onChange={(e) => setLinkEmail(e.target.value)}
                  />
                )}
              </Field>
              <Field label="Expires in (hours)">
                {(p) => (
                  <input
                    {...p}
                    type="number"
                    min={1}
                    max={720}
                    value={hours}
                    onChange={(e) => setHours(Number(e.target.value))}
                  />
                )}
              </Field>
            </div>
            <button type="submit">Create reviewer link</button>
          </form>
          {links.isPending ? (
            <Loading />
          ) : links.isError ? (
            <ErrorMessage error={links.error} />
          ) : links.data.items.length === 0 ? (
            <p className="muted">No reviewer links.</p>
          ) : (
            <ul className="list">
              {links.data.items.map((l) => (
                <li key={l.id} className="row spread">
                  <span>
                    {l.reviewerName} · <span className="badge">{l.status}</span>
                    {l.decision && <> · {l.decision === 'approve' ? 'approved' : 'rejected'}</>} · expires{' '}
                    {formatDate(l.expiresAt)}
                  </span>
                  {l.status === 'active' && (
                    <button type="button" className="secondary small" onClick={() => void revoke(l.id)}>
                      Revoke
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
