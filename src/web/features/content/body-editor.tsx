/**
 * The body editor: Markdown or HTML source with a Preview tab. The preview renders in a sandboxed iframe (no
 * scripts, no same-origin), so pasted HTML can never run in the app.
 */
import { useEffect, useId, useState } from 'react';
import type { BodyFormat } from '../../../contracts/index.js';

async function renderHtml(body: string, format: BodyFormat): Promise<string> {
  if (format === 'html') return body;
  if (format === 'json') return `<pre>${body.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre>`;
  const { marked } = await import('marked');
  return marked.parse(body, { async: false, gfm: true });
}

export function BodyEditor({
  value,
  format,
  onChange,
  onFormatChange,
  readOnly,
}: {
  value: string;
  format: BodyFormat;
  onChange: (v: string) => void;
  onFormatChange: (f: BodyFormat) => void;
  readOnly: boolean;
}) {
  const [tab, setTab] = useState<'write' | 'preview'>('write');
  const [html, setHtml] = useState('');
  const id = useId();
  useEffect(() => {
    if (tab !== 'preview') return;
    let live = true;
    void renderHtml(value, format).then((h) => live && setHtml(h));
    return () => {
      live = false;
    };
  }, [tab, value, format]);

  return (
    <div className="field">
      <div className="row spread">
        <span id={`${id}-label`} className="label-text">
          <strong>Body</strong>
        </span>
        <label className="row">
          Format
          <select
            value={format}
            disabled={readOnly}
            onChange={(e) => onFormatChange(e.target.value as BodyFormat)}
          >
            <option value="markdown">Markdown</option>
            <option value="html">HTML</option>
          </select>
        </label>
      </div>
      <div className="tabs" role="tablist" aria-labelledby={`${id}-label`}>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'write'}
          aria-controls={`${id}-write`}
          onClick={() => setTab('write')}
        >
          {readOnly ? 'Source' : 'Write'}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'preview'}
          aria-controls={`${id}-preview`}
          onClick={() => setTab('preview')}
        >
          Preview
        </button>
      </div>
      {tab === 'write' ? (
        <textarea
          id={`${id}-write`}
          aria-labelledby={`${id}-label`}
          className="mono"
          rows={14}
          value={value}
          readOnly={readOnly}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : (
        <iframe
          id={`${id}-preview`}
          title="Preview"
          className="preview"
          sandbox=""
          srcDoc={`<!doctype html><meta charset="utf-8"><style>body{font-family:system-ui,sans-serif;line-height:1.5;margin:0.5rem;overflow-wrap:anywhere}img{max-width:100%}</style>${html}`}
          style={{ width: '100%', height: '22rem' }}
        />
      )}
    </div>
  );
}
