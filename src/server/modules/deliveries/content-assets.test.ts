import { describe, expect, it } from 'vitest';
import { extractAssetReferences, fetchableReferences } from './content-assets.js';

const md = (body: string, fields: Record<string, unknown> = {}) =>
  extractAssetReferences({ body, bodyFormat: 'markdown', fields });
const html = (body: string, fields: Record<string, unknown> = {}) =>
  extractAssetReferences({ body, bodyFormat: 'html', fields });

describe('extractAssetReferences: Markdown', () => {
  it('finds inline images with alt text and titles, in document order', () => {
    const refs = md(
      '# Hi\n\n![The hero](https://cdn.example.com/hero.png "Hero title")\n\nText ![](https://cdn.example.com/b.jpg) end.',
    );
    expect(refs).toEqual([
      {
        ref: 'https://cdn.example.com/hero.png',
        altText: 'The hero',
        handling: 'fetch',
        url: 'https://cdn.example.com/hero.png',
      },
      {
        ref: 'https://cdn.example.com/b.jpg',
        altText: '',
        handling: 'fetch',
        url: 'https://cdn.example.com/b.jpg',
      },
    ]);
  });

  it('resolves reference-style images and angle-bracket destinations', () => {
    const refs = md(
      '![Logo][logo] and ![Space](<https://x.example.com/a b.png>)\n\n[logo]: https://x.example.com/l.gif',
    );
    expect(refs.map((r) => [r.ref, r.altText, r.url])).toEqual([
      ['https://x.example.com/l.gif', 'Logo', 'https://x.example.com/l.gif'],
      ['https://x.example.com/a b.png', 'Space', 'https://x.example.com/a%20b.png'],
    ]);
  });

  it('ignores links, autolinks and images inside code', () => {
    const refs = md(
      '[a link](https://example.com/page.png) <https://example.com/x.png>\n\n`![no](https://e.com/1.png)`\n\n```\n![no](https://e.com/2.png)\n```',
    );
    expect(refs).toEqual([]);
  });

  it('finds <img> in HTML embedded in Markdown, keeping its place in the order', () => {
    const refs = md(
      '![first](https://e.com/1.png)\n\n<div><img src="https://e.com/2.png" alt="second"></div>\n\nInline <img alt="third" src="https://e.com/3.png"> here ![fourth](https://e.com/4.png)',
    );
    expect(refs.map((r) => [r.ref, r.altText])).toEqual([
      ['https://e.com/1.png', 'first'],
      ['https://e.com/2.png', 'second'],
      ['https://e.com/3.png', 'third'],
      ['https://e.com/4.png', 'fourth'],
    ]);
  });

  it('lists a ref once; the first non-empty alt text wins', () => {
    const refs = md('![](https://e.com/a.png) ![Alpha](https://e.com/a.png) ![Beta](https://e.com/a.png)');
    expect(refs).toHaveLength(1);
    expect(refs[0]!.altText).toBe('Alpha');
  });
});

describe('extractAssetReferences: HTML', () => {
  it('keeps the src exactly as written as the ref and fetches its decoded value', () => {
    const refs = html('<p><IMG SRC="https://e.com/i.png?w=1&amp;h=2" ALT="Tom &amp; Jerry"></p>');
    expect(refs).toEqual([
      {
        ref: 'https://e.com/i.png?w=1&amp;h=2',
        altText: 'Tom & Jerry',
        handling: 'fetch',
        url: 'https://e.com/i.png?w=1&h=2',
      },
    ]);
  });

  it('skips images without a src and does not read Markdown syntax in HTML bodies', () => {
    expect(html('<img alt="none"><img src=""><p>![x](https://e.com/x.png)</p>')).toEqual([]);
  });
});

describe('extractAssetReferences: featured image and handling', () => {
  it('adds fields.featuredImage, with the body alt text or featuredImageAltText', () => {
    expect(
      md('![In body](https://e.com/f.png)', {
        featuredImage: 'https://e.com/f.png',
        featuredImageAltText: 'ignored',
      }),
    ).toEqual([
      { ref: 'https://e.com/f.png', altText: 'In body', handling: 'fetch', url: 'https://e.com/f.png' },
    ]);
    expect(md('No images.', { featuredImage: 'https://e.com/g.png', featuredImageAltText: 'Cover' })).toEqual(
      [{ ref: 'https://e.com/g.png', altText: 'Cover', handling: 'fetch', url: 'https://e.com/g.png' }],
    );
    expect(md('No images.', { featuredImage: '  ', image: 'https://e.com/not-read.png' })).toEqual([]);
  });

  it('reads only the featured image from a JSON body', () => {
    const refs = extractAssetReferences({
      body: '{"blocks":[{"image":"https://e.com/x.png"}]}',
      bodyFormat: 'json',
      fields: { featuredImage: 'https://e.com/cover.png' },
    });
    expect(refs.map((r) => r.ref)).toEqual(['https://e.com/cover.png']);
  });

  it('keeps relative, data: and cid: refs as written, fetches protocol-relative over https, refuses other schemes', () => {
    const refs = md(
      [
        '![](/hubfs/logo.png)',
        '![](img/a.png)',
        '![](data:image/png;base64,iVBORw0KGgo=)',
        '<img src="cid:logo">',
        '![](//cdn.example.com/p.png)',
        '![](file:///etc/passwd)',
        '![](ftp://files.example.com/a.png)',
        '![](HTTPS://E.COM/Up.PNG)',
      ].join('\n\n'),
    );
    expect(refs.map((r) => [r.ref, r.handling, r.url])).toEqual([
      ['/hubfs/logo.png', 'keep', null],
      ['img/a.png', 'keep', null],
      ['data:image/png;base64,iVBORw0KGgo=', 'keep', null],
      ['cid:logo', 'keep', null],
      ['//cdn.example.com/p.png', 'fetch', 'https://cdn.example.com/p.png'],
      ['file:///etc/passwd', 'refuse', null],
      ['ftp://files.example.com/a.png', 'refuse', null],
      ['HTTPS://E.COM/Up.PNG', 'fetch', 'https://e.com/Up.PNG'],
    ]);
    expect(fetchableReferences(refs).map((r) => r.ref)).toEqual([
      '//cdn.example.com/p.png',
      'HTTPS://E.COM/Up.PNG',
    ]);
  });
});
