import { describe, expect, it } from 'vitest';
import {
  checkValidationRules,
  extractLinks,
  findVariables,
  isWellFormedLink,
  measureLength,
  readField,
} from './workflow.rules.js';
import type { ValidationRule } from './workflow.schema.js';
import type { ContentSnapshot } from './workflow.types.js';

function makeContent(overrides: Partial<ContentSnapshot> = {}): ContentSnapshot {
  return {
    ownerId: 'u-owner',
    authorIds: ['u-owner'],
    type: 'blog_post',
    fields: { title: 'Spring launch' },
    body: 'We launch on [our site](https://example.com).',
    approvals: [],
    contentHash: 'h1',
    ...overrides,
  };
}

describe('extractLinks', () => {
  it('finds Markdown links, images, angle-bracket and GFM autolinks', () => {
    const body = [
      'See [docs](https://example.com/docs "Docs") and ![logo](https://cdn.example.com/l.png).',
      'Write to team@example.com, visit www.example.org or <https://auto.example.com>.',
      'Relative [about](/about) and [empty]().',
    ].join('\n');
    expect(extractLinks(body)).toEqual([
      'https://example.com/docs',
      'https://cdn.example.com/l.png',
      'mailto:team@example.com',
      'http://www.example.org',
      'https://auto.example.com',
      '/about',
      '',
    ]);
  });

  it('finds links in HTML embedded in Markdown, block and inline', () => {
    const body =
      'Text <a href="ftp://files.example.com">ftp</a> here.\n\n<div><img src="/pixel.gif"><a href="https://ok.example.com">ok</a></div>\n';
    expect(extractLinks(body)).toEqual(['ftp://files.example.com', '/pixel.gif', 'https://ok.example.com']);
  });

  it('parses HTML bodies as HTML only, decoding entities', () => {
    const body =
      '<p>[not](a-link)</p><a HREF="https://example.com/?a=1&amp;b=2">x</a><area href="mailto:a@b.c">';
    expect(extractLinks(body, 'html')).toEqual(['https://example.com/?a=1&b=2', 'mailto:a@b.c']);
  });

  it('ignores link-like text inside code', () => {
    expect(extractLinks('Use `[x](/y)` or\n\n    [z](/w)\n')).toEqual([]);
  });
});

describe('isWellFormedLink', () => {
  it.each([
    ['https://example.com', true],
    ['http://example.com/a?b=c#d', true],
    ['mailto:someone@example.com', true],
    ['/relative', false],
    ['example.com', false],
    ['ftp://example.com', false],
    ['javascript:alert(1)', false],
    ['mailto:', false],
    ['https://exa mple.com', false],
    ['http://', false],
    ['', false],
  ])('%s → %s', (href, expected) => {
    expect(isWellFormedLink(href)).toBe(expected);
  });
});

describe('findVariables and measureLength', () => {
  it('lists each unresolved variable once, trimmed', () => {
    expect(findVariables('Hi {{ name }}, {{name}} and {{contact.first_name}}; {single} {{}}')).toEqual([
      'name',
      'contact.first_name',
      '',
    ]);
  });

  it('counts user-perceived characters, not UTF-16 units', () => {
    expect(measureLength('abc')).toBe(3);
    expect(measureLength('👩‍👩‍👧‍👦🇫🇷é')).toBe(3);
  });

  it('reads body from the body and everything else from fields', () => {
    const content = makeContent({ fields: { body: 'shadowed', subject: 'S' } });
    expect(readField(content, 'body')).toBe(content.body);
    expect(readField(content, 'subject')).toBe('S');
  });
});

describe('checkValidationRules', () => {
  it('passes valid content', () => {
    const rules: ValidationRule[] = [
      { kind: 'required_fields', byType: { blog_post: ['title', 'body'] } },
      { kind: 'max_length', field: 'title', byType: { blog_post: 50 } },
      { kind: 'no_unresolved_variables' },
      { kind: 'links_well_formed' },
    ];
    expect(checkValidationRules(rules, makeContent())).toEqual([]);
  });

  it('reports missing fields per type, treating blank strings and empty lists as missing', () => {
    const rule: ValidationRule = {
      kind: 'required_fields',
      byType: { email: ['title', 'subject', 'tags', 'body'] },
    };
    const content = makeContent({ type: 'email', fields: { title: '  ', tags: [] }, body: 'Hello' });
    expect(checkValidationRules([rule], content)).toEqual([
      {
        guard: 'validation',
        rule: 'required_fields',
        message: 'Missing required fields for email: title, subject, tags',
      },
    ]);
    // Types without an entry have nothing required.
    expect(checkValidationRules([rule], makeContent({ fields: {} }))).toEqual([]);
  });

  it('limits length per type and leaves absent or non-text fields alone', () => {
    const rule = { kind: 'max_length', field: 'body', byType: { social_post: 280 } } as const;
    expect(checkValidationRules([rule], makeContent({ type: 'social_post', body: 'x'.repeat(280) }))).toEqual(
      [],
    );
    expect(checkValidationRules([rule], makeContent({ type: 'social_post', body: 'x'.repeat(281) }))).toEqual(
      [
        {
          guard: 'validation',
          rule: 'max_length',
          message: 'body is 281 characters; a social_post allows at most 280',
        },
      ],
    );
    expect(checkValidationRules([rule], makeContent({ body: 'x'.repeat(1000) }))).toEqual([]);
    const numeric = { kind: 'max_length', field: 'price', byType: { blog_post: 1 } } as const;
    expect(checkValidationRules([numeric], makeContent({ fields: { price: 12345 } }))).toEqual([]);
  });

  it('reports unresolved variables except allowed names and namespaces', () => {
    const rule: ValidationRule = { kind: 'no_unresolved_variables', allow: ['contact.*', 'unsubscribe_url'] };
    const body =
      'Hi {{ contact.first_name }}, {{ unsubscribe_url }} {{ unsubscribe_url_2 }} {{ product.price }}';
    expect(checkValidationRules([rule], makeContent({ body }))).toEqual([
      {
        guard: 'validation',
        rule: 'no_unresolved_variables',
        message: 'Unresolved variables in the body: {{ unsubscribe_url_2 }}, {{ product.price }}',
      },
    ]);
  });

  it('reports every bad link in one message, capped for long lists', () => {
    const rule = { kind: 'links_well_formed' } as const;
    const body =
      Array.from({ length: 7 }, (_, i) => `[l${i}](/p${i})`).join(' ') + ' [ok](https://example.com)';
    const [failure] = checkValidationRules([rule], makeContent({ body }));
    expect(failure?.message).toBe(
      'Links must be absolute http(s) or mailto URLs: "/p0", "/p1", "/p2", "/p3", "/p4" and 2 more',
    );
  });

  it('checks HTML bodies as HTML', () => {
    const rule = { kind: 'links_well_formed' } as const;
    const content = makeContent({
      bodyFormat: 'html',
      body: '<a href="https://example.com">a</a><img src="cid:logo">',
    });
    expect(checkValidationRules([rule], content)).toEqual([
      { guard: 'validation', rule: 'links_well_formed', message: expect.stringContaining('"cid:logo"') },
    ]);
  });

  it('reports every failing rule, not just the first', () => {
    const rules: ValidationRule[] = [
      { kind: 'required_fields', byType: { blog_post: ['title'] } },
      { kind: 'no_unresolved_variables' },
      { kind: 'links_well_formed' },
    ];
    const content = makeContent({ fields: {}, body: '{{ x }} [a](b)' });
    expect(checkValidationRules(rules, content).map((f) => f.rule)).toEqual([
      'required_fields',
      'no_unresolved_variables',
      'links_well_formed',
    ]);
  });
});
