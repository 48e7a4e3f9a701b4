import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.js';
import { isReservedEventType, isValidEventType, matchesTypeFilter, parseTypeFilter } from './event-types.js';

describe('event types', () => {
  it('accepts dotted lower-case names with at least two segments', () => {
    for (const ok of ['content.published', 'shop.order_paid', 'a.b.c', 'x1.y_2'])
      expect(isValidEventType(ok)).toBe(true);
    for (const bad of [
      'content',
      'Content.published',
      'content.',
      '.x',
      'content..x',
      'a-b.c',
      '1a.b',
      'a.b*',
    ])
      expect(isValidEventType(bad)).toBe(false);
  });

  it('reserves built-in first segments only as a whole segment', () => {
    expect(isReservedEventType('content.published')).toBe(true);
    expect(isReservedEventType('delivery.failed')).toBe(true);
    expect(isReservedEventType('contentful.entry_saved')).toBe(false);
    expect(isReservedEventType('shop.content')).toBe(false);
  });
});

describe('type filters', () => {
  it('parses exact names and prefixes; matches a prefix only at a segment boundary', () => {
    const f = parseTypeFilter('content.*, delivery.failed');
    expect(f).toEqual({ exact: ['delivery.failed'], prefixes: ['content.'] });
    expect(matchesTypeFilter('content.published', f)).toBe(true);
    expect(matchesTypeFilter('content.version.created', f)).toBe(true);
    expect(matchesTypeFilter('contentx.published', f)).toBe(false);
    expect(matchesTypeFilter('delivery.failed', f)).toBe(true);
    expect(matchesTypeFilter('delivery.succeeded', f)).toBe(false);
    expect(matchesTypeFilter('anything.at_all', null)).toBe(true);
    expect(parseTypeFilter('content.version.*')).toEqual({ exact: [], prefixes: ['content.version.'] });
  });

  it('treats an empty filter as "all" and rejects wildcards elsewhere', () => {
    expect(parseTypeFilter(undefined)).toBeNull();
    expect(parseTypeFilter('')).toBeNull();
    for (const bad of ['*', 'content*', 'content.*.x', 'con%', 'a.b;drop'])
      expect(() => parseTypeFilter(bad)).toThrow(ValidationError);
    expect(() => parseTypeFilter(Array.from({ length: 51 }, (_, i) => `t.x${i}`).join(','))).toThrow(
      ValidationError,
    );
  });
});
