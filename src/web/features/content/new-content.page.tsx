/** Create a content item: type, title (the slug follows it until edited), optional tags; then open the editor. */
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { CONTENT_TYPES, type ContentType } from '../../../contracts/index.js';
import { keys } from '../../app/query-keys.js';
import { useToast } from '../../app/toasts.js';
import { ErrorMessage, Field } from '../../app/ui.js';
import { createContent } from './content.api.js';
import { slugify, typeLabel } from './content-fields.js';

export default function NewContentPage() {
  const [type, setType] = useState<ContentType>('blog_post');
  const [title, setTitle] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const [tags, setTags] = useState('');
  const [body, setBody] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const client = useQueryClient();
  const toast = useToast();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await createContent({
        type,
        title,
        slug: slug || slugify(title),
        body,
        bodyFormat: 'markdown',
        tags: tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      });
      await client.invalidateQueries({ queryKey: keys.contentLists });
      toast.success(`Created “${created.title}”`);
      await navigate(`/content/${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>New content</h1>
      <form className="panel" onSubmit={(e) => void submit(e)}>
        <div className="grid2">
          <Field label="Type">
            {(p) => (
              <select {...p} value={type} onChange={(e) => setType(e.target.value as ContentType)}>
                {CONTENT_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {typeLabel(t)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Title">
            {(p) => (
              <input
                {...p}
                required
                value={title}
                onChange={(e) => {
                  setTitle(e.target.value);
                  if (!slugEdited) setSlug(slugify(e.target.value));
                }}
              />
            )}
          </Field>
          <Field label="Slug" hint="Lower-case words joined by hyphens.">
            {(p) => (
              <input
                {...p}
                required
                pattern="[a-z0-9][a-z0-9\-]*"
                value={slug}
                onChange={(e) => {
                  setSlug(e.target.value);
                  setSlugEdited(true);
                }}
              />
            )}
          </Field>
          <Field label="Tags" hint="Comma-separated.">
            {(p) => <input {...p} value={tags} onChange={(e) => setTags(e.target.value)} />}
          </Field>
        </div>
        <Field label="Body (Markdown)">
          {(p) => <textarea {...p} className="mono" value={body} onChange={(e) => setBody(e.target.value)} />}
        </Field>
        {error ? <ErrorMessage error={error} /> : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create'}
        </button>
      </form>
    </section>
  );
}
