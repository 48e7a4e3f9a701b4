/**
 * The editor's side panels: approvals (who approved the current text, how many are still needed, and what changed
 * since the last approval) and the state history.
 */
import type { ContentDetail, WorkflowDefinition } from '../../../contracts/index.js';
import { useSession } from '../../app/session.js';
import { ErrorMessage, Loading, PatchView, formatDate } from '../../app/ui.js';
import { useDiffSinceApproval, useHistory } from './content.api.js';
import { labelOf } from './workflow-actions.js';

function requiredApprovals(def: WorkflowDefinition | undefined): number {
  for (const t of def?.transitions ?? [])
    for (const g of t.guards ?? []) if (g.kind === 'min_approvals') return g.count;
  return 1;
}

function useWho() {
  const session = useSession();
  return (userId: string | null) =>
    userId === null ? 'system' : userId === session.me.user.id ? 'you' : `user ${userId.slice(0, 8)}`;
}

export function ApprovalPanel({
  item,
  definition,
  returnedReason,
}: {
  item: ContentDetail;
  definition: WorkflowDefinition | undefined;
  returnedReason: string | null;
}) {
  const history = useHistory(item.id);
  const who = useWho();
  const everApproved = (history.data?.approvals.length ?? 0) > 0;
  const diff = useDiffSinceApproval(item.id, everApproved);
  const required = requiredApprovals(definition);
  const current = (history.data?.approvals ?? []).filter((a) => a.contentHash === item.current.contentHash);
  const approvers = [...new Map(current.map((a) => [a.userId, a])).values()];
  const stillNeeded = Math.max(0, required - approvers.length);

  return (
    <section className="panel" aria-labelledby="approvals-h">
      <h2 id="approvals-h">Approvals</h2>
      {history.isPending ? (
        <Loading />
      ) : history.isError ? (
        <ErrorMessage error={history.error} onRetry={() => void history.refetch()} />
      ) : (
        <>
          <p data-testid="approval-count">
            {approvers.length} of {required} approval{required === 1 ? '' : 's'} on this version
            {item.state === 'review' && stillNeeded > 0 ? ` · ${stillNeeded} still needed` : ''}
          </p>
          {approvers.length > 0 && (
            <ul className="list">
              {approvers.map((a) => (
                <li key={a.userId}>
                  Approved by {who(a.userId)} · {formatDate(a.at)}
                </li>
              ))}
            </ul>
          )}
          {returnedReason && (
            <p className="state state-error" role="status">
              Returned to review: {returnedReason}
            </p>
          )}
          {everApproved && (
            <div data-testid="diff-since-approval">
              <h3>Changes since approval</h3>
              {diff.isPending ? (
                <Loading />
              ) : diff.isError ? (
                <ErrorMessage error={diff.error} />
              ) : !diff.data ? (
                <p className="muted">Never approved.</p>
              ) : !diff.data.title.changed && !diff.data.body.changed && !diff.data.fields.changed ? (
                <p className="muted">No changes since it was approved (v{diff.data.from}).</p>
              ) : (
                <>
                  <p className="muted">
                    Approved version {diff.data.from} ({formatDate(diff.data.approvedAt)}) → version{' '}
                    {diff.data.to}
                  </p>
                  {diff.data.title.changed && (
                    <p>
                      Title: “{diff.data.title.from}” → “{diff.data.title.to}”
                    </p>
                  )}
                  {diff.data.body.changed && (
                    <PatchView patch={diff.data.body.patch} label="Body changes since approval" />
                  )}
                  {diff.data.fields.changed && (
                    <PatchView patch={diff.data.fields.patch} label="Field changes since approval" />
                  )}
                </>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}

export function HistoryPanel({
  item,
  definition,
}: {
  item: ContentDetail;
  definition: WorkflowDefinition | undefined;
}) {
  const history = useHistory(item.id);
  const who = useWho();
  return (
    <section className="panel" aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      {history.isPending ? (
        <Loading />
      ) : history.isError ? (
        <ErrorMessage error={history.error} onRetry={() => void history.refetch()} />
      ) : history.data.transitions.length === 0 ? (
        <p className="muted">Created {formatDate(item.createdAt)}; no state changes yet.</p>
      ) : (
        <ol className="list">
          {[...history.data.transitions].reverse().map((t, i) => (
            <li key={`${t.at}-${i}`}>
              <strong>{t.action}</strong>: {labelOf(definition, t.from)} → {labelOf(definition, t.to)} by{' '}
              {who(t.actorUserId)} · v{t.version} · {formatDate(t.at)}
              {t.reason && <div className="muted">“{t.reason}”</div>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
