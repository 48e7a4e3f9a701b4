import type { ContentPayload } from '../../../src/server/connectors/sdk/connector.js';

/** A 1×1 transparent PNG. */
export const PNG_BYTES = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
    'base64',
  ),
);

let n = 0;

export function blogContent(overrides: Partial<ContentPayload> = {}): ContentPayload {
  n += 1;
  return {
    contentId: `content-${n}`,
    versionId: `version-${n}`,
    version: 1,
    type: 'blog_post',
    title: `Launch notes ${n}`,
    slug: `launch-notes-${n}`,
    body: `# Launch\n\nWe shipped **it**.\n\n![](assets/hero-${n}.png)\n`,
    bodyFormat: 'markdown',
    fields: { summary: 'What we shipped this week.' },
    tags: ['Product', 'Release'],
    locale: 'en-US',
    assets: [
      { ref: `assets/hero-${n}.png`, fileName: `hero-${n}.png`, altText: 'The hero image', bytes: PNG_BYTES },
    ],
    ...overrides,
  };
}

export function emailContent(overrides: Partial<ContentPayload> = {}): ContentPayload {
  n += 1;
  return {
    contentId: `content-${n}`,
    versionId: `version-${n}`,
    version: 1,
    type: 'email',
    title: `Monthly digest ${n}`,
    slug: `monthly-digest-${n}`,
    body: 'Hello **friends**.',
    bodyFormat: 'markdown',
    fields: { subject: `Your digest ${n}` },
    tags: [],
    locale: 'en',
    assets: [],
    ...overrides,
  };
}
