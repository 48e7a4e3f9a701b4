/**
 * 409 CONTENT_VERSION_CONFLICT: someone saved first. Offer to reload (dropping my edits) or to see what they changed
 * next to my unsaved text, then decide.
 */
import { useState } from 'react';
import type { ContentDetail } from '../../../contracts/index.js';
import { Dialog, ErrorMessage, Loading, PatchView } from '../../app/ui.js';
import { useDiff } from './content.api.js';

export function ConflictDialog({
  id,
  baseVersion,
  currentVersion,
  mine,
  server,
  onReload,
  onClose,
}: {
  id: string;
  baseVersion: number;
  /** The content version now on the server; null until the reload arrives. */
  currentVersion: number | null;
  mine: { title: string; body: string };
  server: ContentDetail | undefined;
  onReload: () => void;
  onClose: () => void;
}) {
  const [showDiff, setShowDiff] = useState(false);
  const diff = useDiff(id, showDiff ? baseVersion : null, showDiff ? currentVersion : null);
  const sameText = currentVersion !== null && currentVersion === baseVersion;
  return (
    <Dialog
      title="Someone else saved first"
      onClose={onClose}
      actions={
        <>
          <button type="button" className="secondary" onClick={onClose}>
            Keep editing
          </button>
          {!showDiff && (
            <button type="button" className="secondary" onClick={() => setShowDiff(true)}>
              View the diff
            </button>
          )}
          <button type="button" onClick={onReload}>
            Reload their version
          </button>
        </>
      }
    >
      <p role="alert">
        You edited version {baseVersion}; someone saved{' '}
        {currentVersion === null ? 'a newer one' : `version ${currentVersion}`} (or changed its state) since.
        Saving now would overwrite their work, so nothing was saved. Reload to continue from their version
        (your unsaved text is shown below to copy).
      </p>
      {showDiff &&
        (currentVersion === null ? (
          <Loading label="Loading their version…" />
        ) : sameText ? (
          <p>The text is unchanged; only its state or settings changed. Reload and save again.</p>
        ) : diff.isPending ? (
          <Loading label="Loading their changes…" />
        ) : diff.isError ? (
          <ErrorMessage error={diff.error} />
        ) : (
          <>
            <h3>
              Their changes (v{baseVersion} → v{currentVersion})
            </h3>
            {diff.data.title.changed && (
              <p>
                Title: “{diff.data.title.from}” → “{diff.data.title.to}”
              </p>
            )}
            {diff.data.body.changed ? (
              <PatchView patch={diff.data.body.patch} label="Their body changes" />
            ) : (
              <p>Body unchanged.</p>
            )}
            <div className="side-by-side">
              <div>
                <h3>Yours (unsaved)</h3>
                <pre>{mine.body}</pre>
              </div>
              <div>
                <h3>Theirs (v{currentVersion})</h3>
                <pre>{server?.current.body ?? '…'}</pre>
              </div>
            </div>
          </>
        ))}
    </Dialog>
  );
}
