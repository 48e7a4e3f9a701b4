/** Version history: every immutable version, a side-by-side comparison of any two, and restore-as-new-version. */
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { ContentDetail } from '../../../contracts/index.js';
import { keys } from '../../app/query-keys.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Loading, PatchView, formatDate } from '../../app/ui.js';
import { restoreVersion, useDiff, useVersions } from './content.api.js';

export default function VersionsPanel({ item, canRestore }: { item: ContentDetail; canRestore: boolean }) {
  const versions = useVersions(item.id);
  const [from, setFrom] = useState<number | null>(item.current.version > 1 ? item.current.version - 1 : null);
  const [to, setTo] = useState<number>(item.current.version);
  const diff = useDiff(item.id, from, to);
  const client = useQueryClient();
  const toast = useToast();

  if (versions.isPending) return <Loading label="Loading versions…" />;
  if (versions.isError)
    return <ErrorMessage error={versions.error} onRetry={() => void versions.refetch()} />;
  const list = versions.data.items;
  const left = list.find((v) => v.version === from);
  const right = list.find((v) => v.version === to);

  const restore = async (version: number) => {
    try {
      const result = await restoreVersion(item.id, item.version, version);
      toast.success(`Restored version ${version} as version ${result.version}`);
      await client.invalidateQueries({ queryKey: keys.content(item.id) });
    } catch (e) {
      toast.error(e, 'Restore failed');
    }
  };

  return (
    <div>
      <ol className="list" aria-label="Versions">
        {list.map((v) => (
          <li key={v.id} className="row spread">
            <span>
              <strong>v{v.version}</strong> {v.title} · {formatDate(v.createdAt)}
              {v.restoredFrom !== null && <span className="muted"> (restored from v{v.restoredFrom})</span>}
            </span>
            <span className="row">
              <button
                type="button"
                className="secondary small"
                onClick={() => setFrom(v.version)}
                aria-label={`Compare from version ${v.version}`}
              >
                From
              </button>
              <button
                type="button"
                className="secondary small"
                onClick={() => setTo(v.version)}
                aria-label={`Compare to version ${v.version}`}
              >
                To
              </button>
              {canRestore && v.version !== item.current.version && (
                <button type="button" className="small" onClick={() => void restore(v.version)}>
                  Restore
                </button>
              )}
            </span>
          </li>
        ))}
      </ol>
      {from !== null && from !== to && left && right ? (
        <>
          <h3>
            Version {from} ↔ version {to}
          </h3>
          <div className="side-by-side">
            <div>
              <h4>
                v{from}: {left.title}
              </h4>
              <pre>{left.body}</pre>
            </div>
            <div>
              <h4>
                v{to}: {right.title}
              </h4>
              <pre>{right.body}</pre>
            </div>
          </div>
          {diff.isPending ? (
            <Loading />
          ) : diff.isError ? (
            <ErrorMessage error={diff.error} />
          ) : diff.data.body.changed ? (
            <>
              <p className="muted">
                +{diff.data.body.added} / −{diff.data.body.removed} lines
              </p>
              <PatchView patch={diff.data.body.patch} label={`Changes from version ${from} to ${to}`} />
            </>
          ) : (
            <p className="muted">Bodies are identical.</p>
          )}
        </>
      ) : (
        <p className="muted">Pick two different versions with From and To to compare them.</p>
      )}
    </div>
  );
}
