/**
 * Home: what needs me now. Approvals waiting for me, my content with requested changes, failed and unknown
 * deliveries, and what is scheduled for the next 7 days. Every count follows the event stream.
 */
import { Link } from 'react-router';
import { useQueries, useQuery } from '@tanstack/react-query';
import type { ContentHistory, ContentSummary, Page } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { ErrorMessage, Loading, formatDate } from '../../app/ui.js';
import { useContentList } from '../content/content.api.js';
import { useDeliveryProblems } from '../deliveries/deliveries.api.js';

const WEEK_MS = 7 * 24 * 3600 * 1000;

export default function HomePage() {
  const session = useSession();
  const me = session.me.user.id;
  const all = useContentList({});
  const requests = useQuery({
    queryKey: [...keys.reviewRequests, 'mine'],
    queryFn: () =>
      api.get<Page<{ id: string; contentId: string; status: string }>>('/api/v1/review-requests', {
        status: 'pending',
      }),
  });
  const items = all.data ?? [];
  const canApprove = session.atLeast('reviewer');
  const requested = new Set((requests.data?.items ?? []).map((r) => r.contentId));
  const waiting = items.filter(
    (i) => i.state === 'review' && (requested.has(i.id) || (canApprove && i.ownerId !== me)),
  );
  const myDrafts = items.filter((i) => i.ownerId === me && i.state === 'draft').slice(0, 25);
  const histories = useQueries({
    queries: myDrafts.map((i) => ({
      queryKey: [...keys.contentPart(i.id, 'history'), i.version],
      queryFn: () => api.get<ContentHistory>(`/api/v1/content/${i.id}/history`),
    })),
  });
  const changesRequested = myDrafts.filter(
    (_, n) => histories[n]?.data?.transitions.at(-1)?.action === 'reject',
  );
  const now = Date.now();
  const scheduled = items
    .filter((i) => i.publishAt && Date.parse(i.publishAt) >= now && Date.parse(i.publishAt) <= now + WEEK_MS)
    .sort((a, b) => (a.publishAt! < b.publishAt! ? -1 : 1));
  const deliveries = useDeliveryProblems();

  return (
    <section>
      <h1>Hello, {session.me.user.name || session.me.user.email}</h1>
      {all.isPending ? (
        <Loading label="Looking at what needs you…" />
      ) : all.isError ? (
        <ErrorMessage error={all.error} onRetry={() => void all.refetch()} />
      ) : (
        <div className="stat-grid">
          <Stat
            title="Approvals waiting for me"
            testId="home-approvals"
            items={waiting}
            empty="Nothing to approve."
          />
          <Stat
            title="My content with requested changes"
            testId="home-changes"
            items={changesRequested}
            empty="No changes requested."
          />
          <div className="stat" data-testid="home-deliveries">
            <h2>Failed and unknown deliveries</h2>
            {deliveries.isPending ? (
              <Loading />
            ) : deliveries.isError ? (
              <ErrorMessage error={deliveries.error} />
            ) : deliveries.data === null ? (
              <p className="muted">Deliveries are not available on this server yet.</p>
            ) : (
              <>
                <div className="num">{deliveries.data.length}</div>
                {deliveries.data.length === 0 ? (
                  <p className="muted">All deliveries are fine.</p>
                ) : (
                  <p>
                    <Link to="/deliveries?status=failed">Review failed deliveries</Link>
                  </p>
                )}
              </>
            )}
          </div>
          <Stat
            title="Scheduled in the next 7 days"
            testId="home-scheduled"
            items={scheduled}
            empty="Nothing scheduled this week."
            extra={(i) => formatDate(i.publishAt)}
          />
        </div>
      )}
    </section>
  );
}

function Stat({
  title,
  items,
  empty,
  testId,
  extra,
}: {
  title: string;
  items: ContentSummary[];
  empty: string;
  testId: string;
  extra?: (i: ContentSummary) => string;
}) {
  return (
    <div className="stat" data-testid={testId}>
      <h2>{title}</h2>
      <div className="num" aria-live="polite">
        {items.length}
      </div>
      {items.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul>
          {items.slice(0, 6).map((i) => (
            <li key={i.id}>
              <Link to={`/content/${i.id}`}>{i.title}</Link>
              {extra && <span className="muted"> · {extra(i)}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
