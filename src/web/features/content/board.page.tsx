/**
 * The content board: one column per workflow state, filters by type, tag and owner. Dragging a card onto a column
 * takes the transition between the two states when the user's role allows it; a refused drop lists the failed
 * guards. Every card also has a keyboard-reachable "Move" menu with the same actions.
 */
import { useMemo, useState, type DragEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { CONTENT_TYPES, type ContentSummary, type WorkflowDefinition } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { ErrorMessage, Field, Loading, StateBadge } from '../../app/ui.js';
import { useContentList, useWorkflow, useWorkflows } from './content.api.js';
import { typeLabel } from './content-fields.js';
import { useTransitionFlow } from './transition-flow.js';
import { allowedTransitions, checkRoleGuards, findMove, type ActionContext } from './workflow-actions.js';

interface Member {
  id: string;
  name: string;
  email: string;
}

export default function BoardPage() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const type = params.get('type') ?? '';
  const tag = params.get('tag') ?? '';
  const owner = params.get('owner') ?? '';
  const workflowKey = params.get('workflow') ?? 'default';
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  const list = useContentList({ type, tag });
  const workflows = useWorkflows();
  const workflow = useWorkflow(workflowKey, undefined);
  const members = useQuery({
    queryKey: keys.users,
    queryFn: () => api.get<{ items: Member[] }>('/api/v1/users'),
    enabled: session.atLeast('admin'),
  });
  const names = useMemo(
    () => new Map((members.data?.items ?? []).map((m) => [m.id, m.name || m.email])),
    [members.data],
  );
  const flow = useTransitionFlow();
  const [dragging, setDragging] = useState<ContentSummary | null>(null);

  const items = useMemo(
    () =>
      (list.data ?? []).filter(
        (i) =>
          i.workflow.key === workflowKey &&
          (!owner || (owner === 'me' ? i.ownerId === session.me.user.id : i.ownerId === owner)),
      ),
    [list.data, workflowKey, owner, session.me.user.id],
  );

  const def = workflow.data?.definition;
  const ctxFor = (item: ContentSummary): ActionContext => ({
    role: session.role,
    userId: session.me.user.id,
    ownerId: item.ownerId,
  });

  const drop = (def: WorkflowDefinition, to: string) => (e: DragEvent) => {
    e.preventDefault();
    const item = dragging;
    setDragging(null);
    if (!item || item.state === to) return;
    const move = findMove(def, item.state, to);
    if (!move) {
      flow.refuse({
        title: 'This move is not part of the workflow',
        message: `There is no transition from “${item.state}” to “${to}”.`,
        code: 'TRANSITION_NOT_AVAILABLE',
        failed: [],
      });
      return;
    }
    const check = checkRoleGuards(move, ctxFor(item));
    if (!check.allowed) {
      flow.refuse({
        title: `${move.label} is not allowed for your role`,
        message: `You cannot move “${item.title}” to ${to}.`,
        code: 'TRANSITION_FORBIDDEN',
        failed: check.failed.map((f) => `roles: ${f}`),
      });
      return;
    }
    flow.start(item, move);
  };

  return (
    <section>
      <div className="row spread">
        <h1>Content</h1>
        {session.atLeast('editor') && (
          <Link className="button" to="/content/new">
            New content
          </Link>
        )}
      </div>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <Field label="Type">
          {(p) => (
            <select {...p} value={type} onChange={(e) => setFilter('type', e.target.value)}>
              <option value="">All types</option>
              {CONTENT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {typeLabel(t)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Tag">
          {(p) => (
            <input
              {...p}
              value={tag}
              placeholder="any tag"
              onChange={(e) => setFilter('tag', e.target.value.trim())}
            />
          )}
        </Field>
        <Field label="Owner">
          {(p) => (
            <select {...p} value={owner} onChange={(e) => setFilter('owner', e.target.value)}>
              <option value="">Everyone</option>
              <option value="me">Me</option>
              {(members.data?.items ?? [])
                .filter((m) => m.id !== session.me.user.id)
                .map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name || m.email}
                  </option>
                ))}
            </select>
          )}
        </Field>
        {(workflows.data?.items.length ?? 0) > 1 && (
          <Field label="Workflow">
            {(p) => (
              <select {...p} value={workflowKey} onChange={(e) => setFilter('workflow', e.target.value)}>
                {workflows.data!.items.map((w) => (
                  <option key={w.key} value={w.key}>
                    {w.definition.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </form>
      {list.isPending || workflow.isPending ? (
        <Loading label="Loading the board…" />
      ) : list.isError ? (
        <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
      ) : workflow.isError ? (
        <ErrorMessage error={workflow.error} onRetry={() => void workflow.refetch()} />
      ) : (
        <div className="board" data-testid="board">
          {def!.states.map((s) => {
            const column = items.filter((i) => i.state === s.key);
            const canDrop =
              dragging !== null &&
              dragging.state !== s.key &&
              (() => {
                const move = findMove(def!, dragging.state, s.key);
                return !!move && checkRoleGuards(move, ctxFor(dragging)).allowed;
              })();
            return (
              <section
                key={s.key}
                className={`column${canDrop ? ' drop-ok' : ''}`}
                aria-label={s.label}
                data-state={s.key}
                onDragOver={(e) => {
                  e.preventDefault();
                  e.dataTransfer.dropEffect = canDrop ? 'move' : 'none';
                }}
                onDrop={drop(def!, s.key)}
              >
                <h2>
                  <span>{s.label}</span> <span className="badge">{column.length}</span>
                </h2>
                {column.length === 0 ? (
                  <p className="muted">Nothing here.</p>
                ) : (
                  column.map((item) => (
                    <Card
                      key={item.id}
                      item={item}
                      ownerName={
                        names.get(item.ownerId) ?? (item.ownerId === session.me.user.id ? 'You' : null)
                      }
                      actions={allowedTransitions(def!, item.state, ctxFor(item))}
                      onDragStart={() => setDragging(item)}
                      onDragEnd={() => setDragging(null)}
                      onAction={(t) => flow.start(item, t)}
                    />
                  ))
                )}
              </section>
            );
          })}
        </div>
      )}
      {list.data && list.data.length === 0 && (
        <p className="state state-empty">
          No content yet{type || tag ? ' matching these filters' : ''}.{' '}
          {session.atLeast('editor') && <Link to="/content/new">Create the first item</Link>}
        </p>
      )}
      {flow.element}
    </section>
  );
}

function Card({
  item,
  ownerName,
  actions,
  onDragStart,
  onDragEnd,
  onAction,
}: {
  item: ContentSummary;
  ownerName: string | null;
  actions: ReturnType<typeof allowedTransitions>;
  onDragStart: () => void;
  onDragEnd: () => void;
  onAction: (t: ReturnType<typeof allowedTransitions>[number]) => void;
}) {
  return (
    <article
      className="card"
      draggable={actions.length > 0}
      onDragStart={(e) => {
        e.dataTransfer.setData('text/plain', item.id);
        e.dataTransfer.effectAllowed = 'move';
        onDragStart();
      }}
      onDragEnd={onDragEnd}
      data-testid="content-card"
      data-id={item.id}
      data-state={item.state}
    >
      <Link to={`/content/${item.id}`}>{item.title}</Link>
      <div className="meta">
        <span>{typeLabel(item.type)}</span>
        <span>v{item.version}</span>
        {ownerName && <span>{ownerName}</span>}
        {item.tags.map((t) => (
          <span key={t} className="badge">
            #{t}
          </span>
        ))}
        {item.publishAt && (
          <StateBadge state="scheduled" label={`scheduled ${item.publishAt.slice(0, 10)}`} />
        )}
      </div>
      {actions.length > 0 && (
        <div className="move">
          {actions.map((t) => (
            <button key={t.action} type="button" className="secondary small" onClick={() => onAction(t)}>
              {t.label}
            </button>
          ))}
        </div>
      )}
    </article>
  );
}
