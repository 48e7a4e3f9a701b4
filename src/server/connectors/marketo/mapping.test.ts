import { describe, expect, it } from 'vitest';
import type { ContentPayload } from '../sdk/connector.js';
import { marketoConfigSchema } from './manifest.js';
import {
  chooseChannel,
  describeWithMarker,
  emailNameFor,
  fileNameFor,
  hasMarker,
  mapCosts,
  programNameFor,
  renderHtml,
  renderText,
  rewriteAssetUrls,
} from './mapping.js';

function content(over: Partial<ContentPayload> = {}): ContentPayload {
  return {
    contentId: '0f8c2a34-1111-2222-3333-444455556666',
    versionId: 'v1',
    version: 3,
    type: 'email',
    title: 'Spring launch',
    slug: 'spring-launch',
    body: '# Hello\n\n![Logo](assets/logo.png)',
    bodyFormat: 'markdown',
    fields: {},
    tags: [],
    locale: 'en',
    assets: [],
    ...over,
  };
}

const config = marketoConfigSchema.parse({
  programFolderId: 33,
  emailTemplateId: 1,
  channelMap: { webinar: 'Webinar', email: 'Email Blast' },
  defaultChannel: 'Content',
});

describe('Marketo mapping', () => {
  it('chooses the channel from tags first, then the content type, then the default', () => {
    expect(chooseChannel(content({ tags: ['news', 'webinar'] }), config)).toBe('Webinar');
    expect(chooseChannel(content({ tags: ['news'] }), config)).toBe('Email Blast');
    expect(chooseChannel(content({ type: 'blog_post' }), config)).toBe('Content');
    expect(
      chooseChannel(content({ type: 'blog_post' }), { ...config, defaultChannel: undefined }),
    ).toBeUndefined();
  });

  it('maps fields.cost to period costs in whole units, starting this month unless told', () => {
    const now = new Date('2026-04-17T10:00:00Z');
    expect(mapCosts({}, now)).toEqual([]);
    expect(mapCosts({ cost: 1250.6 }, now)).toEqual([{ startDate: '2026-04-01T00:00:00.000Z', cost: 1251 }]);
    expect(mapCosts({ cost: [{ amount: 10, startDate: '2026-05-01', note: 'ads' }] }, now)).toEqual([
      { startDate: '2026-05-01T00:00:00.000Z', cost: 10, note: 'ads' },
    ]);
    expect(() => mapCosts({ cost: 'lots' }, now)).toThrow(/amount must be a positive number/);
    expect(() => mapCosts({ cost: { amount: 1, startDate: 'someday' } }, now)).toThrow(/startDate/);
  });

  it('embeds the marker as a line of its own that survives truncation', () => {
    const d = describeWithMarker('x'.repeat(5000), 'dlv_123');
    expect(d.length).toBeLessThanOrEqual(2000);
    expect(hasMarker(d, 'dlv_123')).toBe(true);
    expect(hasMarker(d, 'dlv_12')).toBe(false);
    expect(hasMarker(undefined, 'dlv_123')).toBe(false);
    expect(describeWithMarker(undefined, 'm')).toBe('switchboard:m');
  });

  it('derives stable names for programs, emails and files', () => {
    expect(programNameFor(content())).toBe('Spring launch [0f8c2a34]');
    expect(emailNameFor(content())).toBe('spring-launch v3');
    const bytes = new Uint8Array([1, 2, 3]);
    expect(fileNameFor('my logo.png', bytes)).toBe(fileNameFor('my logo.png', new Uint8Array([1, 2, 3])));
    expect(fileNameFor('my logo.png', bytes)).toMatch(/^[0-9a-f]{12}-my-logo\.png$/);
    expect(fileNameFor('my logo.png', new Uint8Array([9]))).not.toBe(fileNameFor('my logo.png', bytes));
  });

  it('renders Markdown, rewrites asset URLs and keeps alt text', () => {
    const html = renderHtml(content());
    expect(html).toContain('<h1>Hello</h1>');
    const rewritten = rewriteAssetUrls(html, new Map([['assets/logo.png', 'https://cdn.example/logo.png']]));
    expect(rewritten).toContain('src="https://cdn.example/logo.png"');
    expect(rewritten).toContain('alt="Logo"');
    expect(renderText('<p>a &amp; b</p><p>c</p>')).toBe('a & b\nc');
    expect(() => renderHtml(content({ bodyFormat: 'json' }))).toThrow(/cannot be rendered/);
  });
});
