/** Comments on a content item, threaded by reply; `@name` or `@email` mentions notify workspace members. */
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ContentDetail, Page } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Field, Loading, formatDate } from '../../app/ui.js';
import { useSession } from '../../app/session.js';

interface Comment {
  id: string;
  versionId: string;
  parentId: string | null;
  authorName: string;
  body: string;
  anchor: { start: number; end: number; quote: string } | null;
  mentions: string[];
  createdAt: string;
}

export default function CommentsPanel({ item }: { item: ContentDetail }) {
  const session = useSession();
  const comments = useQuery({
    queryKey: keys.contentPart(item.id, 'comments'),
    queryFn: () => api.get<Page<Comment>>(`/api/v1/content/${item.id}/comments`, { limit: 200 }),
  });
  const [replyTo, setReplyTo] = useState<Comment | null>(null);

  if (comments.isPending) return <Loading label="Loading comments…" />;
  if (comments.isError)
    return <ErrorMessage error={comments.error} onRetry={() => void comments.refetch()} />;
  const all = comments.data.items;
  const roots = all.filter((c) => !c.parentId);
  const repliesOf = (id: string) => all.filter((c) => c.parentId === id);

  return (
    <div>
      {roots.length === 0 ? (
        <p className="muted">No comments yet.</p>
      ) : (
        <ul className="list" aria-label="Comments">
          {roots.map((c) => (
            <li key={c.id}>
              <CommentView
                comment={c}
                versionOf={c.versionId === item.current.id ? 'current version' : 'an earlier version'}
              />
              {session.atLeast('viewer') && (
                <button type="button" className="secondary small" onClick={() => setReplyTo(c)}>
                  Reply
                </button>
              )}
              {repliesOf(c.id).map((r) => (
                <div key={r.id} className="comment-reply">
                  <CommentView comment={r} versionOf={null} />
                </div>
              ))}
            </li>
          ))}
        </ul>
      )}
      <CommentForm item={item} replyTo={replyTo} onDone={() => setReplyTo(null)} />
    </div>
  );
}

function CommentView({ comment, versionOf }: { comment: Comment; versionOf: string | null }) {
  return (
    <div>
      <strong>{comment.authorName}</strong> <span className="muted">{formatDate(comment.createdAt)}</span>
      {versionOf && <span className="muted"> · on the {versionOf}</span>}
      {comment.anchor && <blockquote className="muted">“{comment.anchor.quote}”</blockquote>}
      <p style={{ whiteSpace: 'pre-wrap', margin: '0.2rem 0' }}>{comment.body}</p>
    </div>
  );
}

function CommentForm({
  item,
  replyTo,
  onDone,
}: {
  item: ContentDetail;
  replyTo: Comment | null;
  onDone: () => void;
}) {
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api.post(`/api/v1/content/${item.id}/comments`, {
        body,
        ...(replyTo ? { parentId: replyTo.id } : {}),
      });
      setBody('');
      onDone();
      toast.success('Comment posted');
      await client.invalidateQueries({ queryKey: keys.contentPart(item.id, 'comments') });
    } catch (err) {
      toast.error(err, 'Comment not posted');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Add a comment">
      <Field
        label={replyTo ? `Reply to ${replyTo.authorName}` : 'Add a comment'}
        hint="Mention someone with @ and their email or name, e.g. @ana@example.com."
      >
        {(p) => <textarea {...p} rows={3} required value={body} onChange={(e) => setBody(e.target.value)} />}
      </Field>
      <div className="row">
        <button type="submit" disabled={busy || body.trim() === ''}>
          {replyTo ? 'Reply' : 'Comment'}
        </button>
        {replyTo && (
          <button type="button" className="secondary" onClick={onDone}>
            Cancel reply
          </button>
        )}
      </div>
    </form>
  );
}
