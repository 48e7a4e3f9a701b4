/**
 * The content editor: title, body (Markdown/HTML with preview) and per-type fields; transition buttons for the
 * actions the user's role allows (with a reason where required); the approval panel, history, versions with
 * side-by-side diff and restore, comments, reviews and destinations. Saves send the loaded version; a 409 opens the
 * conflict dialog. Changes made elsewhere arrive through the event stream; unsaved edits are never overwritten.
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import type { BodyFormat, ContentDetail, ContentType } from '../../../contracts/index.js';
import { isApiError } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Field, Loading, StateBadge, formatDate } from '../../app/ui.js';
import { BodyEditor } from './body-editor.js';
import { ConflictDialog } from './conflict-dialog.js';
import { saveContent, useContent, useWorkflow } from './content.api.js';
import { TYPE_FIELDS, typeLabel } from './content-fields.js';
import { ApprovalPanel, HistoryPanel } from './editor-panels.js';
import { useTransitionFlow } from './transition-flow.js';
import { allowedTransitions, labelOf } from './workflow-actions.js';

const VersionsPanel = lazy(() => import('./versions-panel.js'));
const CommentsPanel = lazy(() => import('../reviews/comments-panel.js'));
const ReviewsPanel = lazy(() => import('../reviews/reviews-panel.js'));
const DestinationsPanel = lazy(() => import('../deliveries/destinations-panel.js'));

interface Draft {
  title: string;
  body: string;
  bodyFormat: BodyFormat;
  tags: string;
  fields: Record<string, string>;
}

function draftOf(c: ContentDetail): Draft {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.current.fields))
    fields[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return {
    title: c.current.title,
    body: c.current.body,
    bodyFormat: c.current.bodyFormat,
    tags: c.tags.join(', '),
    fields,
  };
}

function sameDraft(a: Draft, b: Draft): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const TABS = ['versions', 'comments', 'reviews', 'destinations'] as const;
type Tab = (typeof TABS)[number];

export default function EditorPage() {
  const { id = '' } = useParams();
  const content = useContent(id);
  if (content.isPending) return <Loading label="Loading content…" />;
  if (content.isError) return <ErrorMessage error={content.error} onRetry={() => void content.refetch()} />;
  return <Editor key={id} item={content.data} />;
}

function Editor({ item }: { item: ContentDetail }) {
  const session = useSession();
  const client = useQueryClient();
  const toast = useToast();
  const workflow = useWorkflow(item.workflow.key, item.workflow.version);
  const [base, setBase] = useState(item);
  const [draft, setDraft] = useState(() => draftOf(item));
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState<{ current: number } | null>(null);
  const [returned, setReturned] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('versions');
  const flow = useTransitionFlow();

  const dirty = !sameDraft(draft, draftOf(base));
  // Live updates: follow the server while there are no unsaved edits.
  useEffect(() => {
    if (item.version === base.version && item.state === base.state && item.updatedAt === base.updatedAt)
      return;
    if (!dirty) {
      setBase(item);
      setDraft(draftOf(item));
    }
  }, [item, base, dirty]);

  const canEdit = session.atLeast('editor');
  const def = workflow.data?.definition;
  const actions = def
    ? allowedTransitions(def, item.state, {
        role: session.role,
        userId: session.me.user.id,
        ownerId: item.ownerId,
      })
    : [];
  const fieldsForType = TYPE_FIELDS[item.type as ContentType] ?? [];

  const save = async () => {
    setSaving(true);
    try {
      const fields: Record<string, unknown> = { ...base.current.fields };
      for (const f of fieldsForType) {
        const v = draft.fields[f.name] ?? '';
        if (v === '') delete fields[f.name];
        else fields[f.name] = v;
      }
      const result = await saveContent(item.id, base.version, {
        title: draft.title,
        body: draft.body,
        bodyFormat: draft.bodyFormat,
        tags: draft.tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        fields,
      });
      const { returnedToReview, newVersion: _n, ...detail } = result;
      client.setQueryData(keys.content(item.id), detail);
      setBase(detail);
      setDraft(draftOf(detail));
      if (returnedToReview) {
        setReturned(returnedToReview.reason);
        toast.show(
          'info',
          `Saved as version ${detail.version}. It went back to ${returnedToReview.to}: ${returnedToReview.reason}`,
        );
      } else
        toast.success(result.newVersion ? `Saved version ${detail.version}` : 'Saved (no visible change)');
      await client.invalidateQueries({ queryKey: keys.content(item.id) });
      await client.invalidateQueries({ queryKey: keys.contentLists });
    } catch (e) {
      if (isApiError(e) && e.code === 'CONTENT_VERSION_CONFLICT') {
        const current =
          (e.details as { currentVersion?: number } | undefined)?.currentVersion ?? item.version;
        setConflict({ current });
        void client.invalidateQueries({ queryKey: keys.content(item.id) });
      } else toast.error(e, 'Not saved');
    } finally {
      setSaving(false);
    }
  };

  return (
    <section>
      <p>
        <Link to="/content">← Board</Link>
      </p>
      <div className="row spread">
        <h1>{item.title}</h1>
        <div className="row" aria-label="Status">
          <StateBadge state={item.state} label={labelOf(def, item.state)} />
          <span className="badge">{typeLabel(item.type)}</span>
          <span className="badge">version {item.current.version}</span>
        </div>
      </div>
      {actions.length > 0 && (
        <div className="row" role="group" aria-label="Workflow actions">
          {actions.map((t) => (
            <button
              key={t.action}
              type="button"
              className={t.action === 'reject' ? 'secondary' : undefined}
              disabled={dirty}
              title={dirty ? 'Save or discard your changes first' : undefined}
              onClick={() =>
                flow.start({ id: item.id, title: item.title, version: item.version, state: item.state }, t)
              }
            >
              {t.label}
            </button>
          ))}
          {dirty && <span className="muted">Save your changes to enable workflow actions.</span>}
        </div>
      )}
      {item.notPublishableReason && (
        <p className="state state-error">Cannot publish: {item.notPublishableReason}</p>
      )}
      {base.version !== item.version && dirty && (
        <p className="state state-error" role="status">
          Someone saved version {item.version} while you were editing. Saving will ask what to do.
        </p>
      )}
      <div className="editor-layout">
        <div>
          <form
            className="panel"
            aria-label="Edit content"
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <Field label="Title">
              {(p) => (
                <input
                  {...p}
                  required
                  readOnly={!canEdit}
                  value={draft.title}
                  onChange={(e) => setDraft({ ...draft, title: e.target.value })}
                />
              )}
            </Field>
            <BodyEditor
              value={draft.body}
              format={draft.bodyFormat}
              readOnly={!canEdit}
              onChange={(body) => setDraft({ ...draft, body })}
              onFormatChange={(bodyFormat) => setDraft({ ...draft, bodyFormat })}
            />
            <div className="grid2">
              {fieldsForType.map((f) => (
                <Field key={f.name} label={f.label} {...(f.hint ? { hint: f.hint } : {})}>
                  {(p) =>
                    f.multiline ? (
                      <textarea
                        {...p}
                        rows={3}
                        readOnly={!canEdit}
                        value={draft.fields[f.name] ?? ''}
                        onChange={(e) =>
                          setDraft({ ...draft, fields: { ...draft.fields, [f.name]: e.target.value } })
                        }
                      />
                    ) : (
                      <input
                        {...p}
                        readOnly={!canEdit}
                        {...(f.maxLength ? { maxLength: f.maxLength } : {})}
                        value={draft.fields[f.name] ?? ''}
                        onChange={(e) =>
                          setDraft({ ...draft, fields: { ...draft.fields, [f.name]: e.target.value } })
                        }
                      />
                    )
                  }
                </Field>
              ))}
              <Field label="Tags" hint="Comma-separated.">
                {(p) => (
                  <input
                    {...p}
                    readOnly={!canEdit}
                    value={draft.tags}
                    onChange={(e) => setDraft({ ...draft, tags: e.target.value })}
                  />
                )}
              </Field>
            </div>
            {canEdit && (
              <div className="row">
                <button type="submit" disabled={saving || !dirty}>
                  {saving ? 'Saving…' : 'Save'}
                </button>
                <button
                  type="button"
                  className="secondary"
                  disabled={!dirty}
                  onClick={() => setDraft(draftOf(base))}
                >
                  Discard changes
                </button>
                <span className="muted">
                  Last change {formatDate(item.updatedAt)}
                  {dirty ? ' · unsaved changes' : ''}
                </span>
              </div>
            )}
          </form>
          <div className="panel">
            <div className="tabs" role="tablist" aria-label="Details">
              {TABS.map((t) => (
                <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
                  {t[0]!.toUpperCase() + t.slice(1)}
                </button>
              ))}
            </div>
            <div role="tabpanel">
              <Suspense fallback={<Loading />}>
                {tab === 'versions' && <VersionsPanel item={item} canRestore={canEdit} />}
                {tab === 'comments' && <CommentsPanel item={item} />}
                {tab === 'reviews' && <ReviewsPanel item={item} />}
                {tab === 'destinations' && <DestinationsPanel item={item} />}
              </Suspense>
            </div>
          </div>
        </div>
        <aside>
          <ApprovalPanel item={item} definition={def} returnedReason={returned} />
          <HistoryPanel item={item} definition={def} />
        </aside>
      </div>
      {conflict && (
        <ConflictDialog
          id={item.id}
          baseVersion={base.current.version}
          currentVersion={item.version === conflict.current ? item.current.version : null}
          mine={draft}
          server={item}
          onClose={() => setConflict(null)}
          onReload={() => {
            setConflict(null);
            setBase(item);
            setDraft(draftOf(item));
          }}
        />
      )}
      {flow.element}
    </section>
  );
}
