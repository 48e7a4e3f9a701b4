import { describe, expect, it } from 'vitest';
import type { ContentPayload } from '../sdk/connector.js';
import { isConnectorError } from '../sdk/connector-error.js';
import {
  emailNameWithMarker,
  fileBaseWithMarker,
  mapBlogPost,
  markerHash,
  postMeetsTarget,
  postPublishTarget,
  referencedAssets,
  renderBodyHtml,
  toHubSpotLanguage,
} from './mapping.js';

const bytes = new Uint8Array([1]);
function content(overrides: Partial<ContentPayload> = {}): ContentPayload {
  return {
    contentId: 'c1',
    versionId: 'v1',
    version: 1,
    type: 'blog_post',
    title: 'Hello & welcome',
    slug: 'hello-welcome',
    body: 'Intro\n\n![A cat](img/cat.png "Cat") and ![](img/dog.png)',
    bodyFormat: 'markdown',
    fields: {},
    tags: [],
    locale: 'pt_BR',
    assets: [
      { ref: 'img/cat.png', fileName: 'cat.png', altText: 'Ignored: the body has alt text', bytes },
      { ref: 'img/dog.png', fileName: 'dog.png', altText: 'A dog', bytes },
      { ref: 'img/unused.png', fileName: 'unused.png', altText: '', bytes },
    ],
    ...overrides,
  };
}
const urls = new Map([
  ['img/cat.png', 'https://cdn.example/cat.png'],
  ['img/dog.png', 'https://cdn.example/dog.png'],
]);

describe('HubSpot mapping', () => {
  it('renders Markdown, rewrites image URLs and keeps or fills alt text', () => {
    const html = renderBodyHtml(content(), urls);
    expect(html).toContain('<img src="https://cdn.example/cat.png" alt="A cat" title="Cat">');
    expect(html).toContain('<img src="https://cdn.example/dog.png" alt="A dog">');
    expect(html).not.toContain('img/cat.png');
  });

  it('rewrites src attributes in HTML bodies and leaves other references alone', () => {
    const html = renderBodyHtml(
      content({
        bodyFormat: 'html',
        body: '<p><img alt="x" src="img/cat.png"><img src=\'img/other.png\'></p>',
      }),
      urls,
    );
    expect(html).toBe('<p><img alt="x" src="https://cdn.example/cat.png"><img src=\'img/other.png\'></p>');
  });

  it('refuses JSON bodies with invalid_request', () => {
    try {
      renderBodyHtml(content({ bodyFormat: 'json', body: '{}' }), urls);
      expect.unreachable();
    } catch (e) {
      expect(isConnectorError(e) && e.kind).toBe('invalid_request');
    }
  });

  it('maps a blog post with the marker in headHtml, language, tags and featured image', () => {
    const post = mapBlogPost({
      content: content({ fields: { featuredImage: 'img/dog.png', seoTitle: 'SEO title' } }),
      blogId: '123',
      marker: 'key-"1"',
      urls,
      tagIds: [7, 8],
    });
    expect(post).toMatchObject({
      name: 'Hello & welcome',
      slug: 'hello-welcome',
      contentGroupId: '123',
      htmlTitle: 'SEO title',
      language: 'pt-br',
      tagIds: [7, 8],
      featuredImage: 'https://cdn.example/dog.png',
      featuredImageAltText: 'A dog',
      useFeaturedImage: true,
    });
    expect(post.headHtml).toBe('<meta name="switchboard-marker" content="key-&quot;1&quot;">');
    expect(post.metaDescription).toBe('Intro and');
  });

  it('derives stable marker names for emails and files', () => {
    expect(markerHash('abc')).toMatch(/^[0-9a-f]{12}$/);
    expect(emailNameWithMarker('Digest', 'abc')).toBe(`Digest [sb-${markerHash('abc')}]`);
    expect(fileBaseWithMarker('My photo (1).jpeg', 'abc')).toBe(`My-photo-1--sb${markerHash('abc')}`);
    expect(toHubSpotLanguage('en-US')).toBe('en-us');
  });

  it('uploads only assets the body or featured image references', () => {
    expect(referencedAssets(content()).map((a) => a.ref)).toEqual(['img/cat.png', 'img/dog.png']);
  });

  describe('publish target and completion', () => {
    const now = Date.parse('2030-05-01T12:00:00.000Z');
    const at = (publishAt: unknown) => content({ fields: { publishAt } });
    const draft = { state: 'DRAFT', currentlyPublished: false };
    const scheduled = { state: 'SCHEDULED', currentlyPublished: false };
    const live = { state: 'PUBLISHED', currentlyPublished: true };

    it('asks for live, a schedule or a draft from publishAt and publishImmediately', () => {
      const immediately = { publishImmediately: true };
      const drafts = { publishImmediately: false };
      expect(postPublishTarget(content(), immediately, now)).toEqual({ kind: 'live' });
      expect(postPublishTarget(content(), drafts, now)).toEqual({ kind: 'draft' });
      expect(postPublishTarget(undefined, drafts, now)).toEqual({ kind: 'draft' });
      expect(postPublishTarget(at('2030-05-02T09:00:00Z'), drafts, now)).toEqual({
        kind: 'scheduled',
        at: new Date('2030-05-02T09:00:00Z'),
      });
      // A publishAt that has passed (a late retry) means live now, whatever the connection's default.
      expect(postPublishTarget(at('2030-05-01T11:59:59Z'), drafts, now)).toEqual({ kind: 'live' });
      expect(postPublishTarget(at('not a date'), drafts, now)).toEqual({ kind: 'draft' });
      expect(postPublishTarget(at(12), immediately, now)).toEqual({ kind: 'live' });
    });

    it('counts a post as done only when it is what was asked for (a live post always is)', () => {
      const wantLive = { kind: 'live' } as const;
      const wantSchedule = { kind: 'scheduled', at: new Date(now + 1) } as const;
      const wantDraft = { kind: 'draft' } as const;
      expect(postMeetsTarget(draft, wantLive)).toBe(false);
      expect(postMeetsTarget(scheduled, wantLive)).toBe(false);
      expect(postMeetsTarget(live, wantLive)).toBe(true);
      expect(postMeetsTarget(draft, wantSchedule)).toBe(false);
      expect(postMeetsTarget(scheduled, wantSchedule)).toBe(true);
      expect(postMeetsTarget(live, wantSchedule)).toBe(true);
      expect(postMeetsTarget(draft, wantDraft)).toBe(true);
      expect(postMeetsTarget(live, wantDraft)).toBe(true);
      // Without currentlyPublished, the state decides; an unpublished post back in DRAFT is not live.
      expect(postMeetsTarget({ state: 'PUBLISHED' }, wantLive)).toBe(true);
      expect(postMeetsTarget({ state: 'PUBLISHED', currentlyPublished: false }, wantLive)).toBe(false);
      expect(postMeetsTarget({}, wantLive)).toBe(false);
    });
  });
});
