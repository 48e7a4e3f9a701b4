/** Labels and the per-type fields the editor shows (stored in the version's `fields`). */
import type { ContentType } from '../../../contracts/index.js';

const TYPE_LABELS: Record<ContentType, string> = {
  blog_post: 'Blog post',
  email: 'Email',
  social_post: 'Social post',
  landing_page: 'Landing page',
  asset: 'Asset',
};

export function typeLabel(type: string): string {
  return TYPE_LABELS[type as ContentType] ?? type;
}

export interface TypeField {
  name: string;
  label: string;
  hint?: string;
  multiline?: boolean;
  maxLength?: number;
}

/** Extra fields per type; the workflow's validation rules name the required ones (e.g. an email's subject). */
export const TYPE_FIELDS: Record<ContentType, TypeField[]> = {
  blog_post: [
    { name: 'excerpt', label: 'Excerpt', multiline: true, hint: 'Shown in listings and previews.' },
    { name: 'author', label: 'Byline' },
  ],
  email: [
    { name: 'subject', label: 'Subject line', maxLength: 200 },
    { name: 'preheader', label: 'Preheader', hint: 'The preview text after the subject.' },
  ],
  social_post: [{ name: 'link', label: 'Link', hint: 'Optional URL to share with the post.' }],
  landing_page: [
    { name: 'metaDescription', label: 'Meta description', multiline: true },
    { name: 'ctaLabel', label: 'Call to action label' },
  ],
  asset: [
    { name: 'url', label: 'File URL' },
    { name: 'altText', label: 'Alt text', hint: 'Describes the image for screen readers.' },
  ],
};

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}
