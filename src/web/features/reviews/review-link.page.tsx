/**
 * The external review page for a signed reviewer link: no sign-in. Shows the one version the link is for and takes
 * one decision (a rejection needs a comment). A used, revoked or expired link says so in plain words.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, isApiError } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { ErrorMessage, Field, Loading, formatDate } from '../../app/ui.js';

interface LinkView {
  linkId: string;
  reviewerName: string;
  expiresAt: string;
  isCurrent: boolean;
  content: { id: string; title: string; state: string };
  version: {
    id: string;
    version: number;
    title: string;
    body: string;
    bodyFormat: string;
    contentHash: string;
  };
}

const GONE: Record<string, string> = {
  LINK_ALREADY_USED: 'This review link has already been used. Each link carries one decision.',
  LINK_EXPIRED: 'This review link has expired. Ask the sender for a new one.',
  LINK_REVOKED: 'This review link was revoked by the sender.',
  LINK_NOT_FOUND: 'This review link does not exist. Check that you copied all of it.',
  LINK_SIGNATURE_INVALID: 'This review link is not valid. Check that you copied all of it.',
};

export default function ReviewLinkPage() {
  const { token = '' } = useParams();
  const link = useQuery({
    queryKey: keys.publicReview(token),
    queryFn: () => api.get<LinkView>(`/api/v1/review-links/${encodeURIComponent(token)}`),
    retry: false,
    refetchOnWindowFocus: false,
  });
  const [html, setHtml] = useState('');
  const [decision, setDecision] = useState<'approve' | 'reject'>('approve');
  const [comment, setComment] = useState('');
  const [result, setResult] = useState<{ decision: string; state: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const v = link.data?.version;
    if (!v) return;
    if (v.bodyFormat === 'html') setHtml(v.body);
    else
      void import('marked').then(({ marked }) => setHtml(marked.parse(v.body, { async: false, gfm: true })));
  }, [link.data]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<{ decision: string; state: string }>(
        `/api/v1/review-links/${encodeURIComponent(token)}/decision`,
        { decision, ...(comment.trim() ? { comment: comment.trim() } : {}) },
      );
      setResult(res);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const goneMessage = (e: unknown) => (isApiError(e) ? GONE[e.code] : undefined);

  return (
    <main className="review-page" id="main">
      <p className="muted">Switchboard · external review</p>
      {link.isPending ? (
        <Loading label="Opening the review…" />
      ) : link.isError ? (
        goneMessage(link.error) ? (
          <div className="state state-error" role="alert">
            <strong>{goneMessage(link.error)}</strong>{' '}
            <code className="error-code">{isApiError(link.error) ? link.error.code : ''}</code>
          </div>
        ) : (
          <ErrorMessage error={link.error} />
        )
      ) : result ? (
        <div className="panel" role="status">
          <h1>Thank you, {link.data.reviewerName}</h1>
          <p>
            You {result.decision === 'approve' ? 'approved' : 'rejected'} “{link.data.version.title}”. This
            link is now used and cannot be used again.
          </p>
        </div>
      ) : (
        <>
          <h1>{link.data.version.title}</h1>
          <p className="muted">
            For {link.data.reviewerName} · version {link.data.version.version} · link expires{' '}
            {formatDate(link.data.expiresAt)}
          </p>
          {!link.data.isCurrent && (
            <p className="state state-error">
              This version has since been edited; your decision may be refused.
            </p>
          )}
          <iframe
            title="Content to review"
            className="preview"
            sandbox=""
            style={{ width: '100%', height: '26rem' }}
            srcDoc={`<!doctype html><meta charset="utf-8"><style>body{font-family:system-ui,sans-serif;line-height:1.5;margin:0.75rem;overflow-wrap:anywhere}img{max-width:100%}</style>${html}`}
          />
          <form className="panel" onSubmit={(e) => void submit(e)}>
            <fieldset>
              <legend>Your decision</legend>
              <label className="row">
                <input
                  type="radio"
                  name="decision"
                  checked={decision === 'approve'}
                  onChange={() => setDecision('approve')}
                />{' '}
                Approve
              </label>
              <label className="row">
                <input
                  type="radio"
                  name="decision"
                  checked={decision === 'reject'}
                  onChange={() => setDecision('reject')}
                />{' '}
                Reject
              </label>
            </fieldset>
            <Field label={decision === 'reject' ? 'Comment (required when rejecting)' : 'Comment (optional)'}>
              {(p) => (
                <textarea
                  {...p}
                  rows={3}
                  required={decision === 'reject'}
                  value={comment}
                  onChange={(e) => setComment(e.target.value)}
                />
              )}
            </Field>
            {error ? (
              goneMessage(error) ? (
                <div className="state state-error" role="alert">
                  <strong>{goneMessage(error)}</strong>
                </div>
              ) : (
                <ErrorMessage error={error} />
              )
            ) : null}
            <button type="submit" disabled={busy}>
              {decision === 'approve' ? 'Approve' : 'Reject'}
            </button>
          </form>
        </>
      )}
    </main>
  );
}
