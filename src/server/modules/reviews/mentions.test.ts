import { describe, expect, it } from 'vitest';
import { extractMentionHandles, resolveMentions } from './mentions.js';

describe('mentions', () => {
  it('extracts @email and @handle, not emails in prose', () => {
    expect(extractMentionHandles('Hi @Alice, see @bob@acme.test. Mail carol@acme.test.')).toEqual([
      'alice',
      'bob@acme.test',
    ]);
    expect(extractMentionHandles('(@dave) and @dave again')).toEqual(['dave']);
    expect(extractMentionHandles('no mentions @ all')).toEqual([]);
  });

  it('resolves handles to members; ambiguous local parts resolve to no one', () => {
    const members = [
      { userId: 'u1', email: 'alice@acme.test' },
      { userId: 'u2', email: 'bob@acme.test' },
      { userId: 'u3', email: 'bob@other.test' },
    ];
    expect(resolveMentions(['alice', 'bob', 'bob@other.test', 'zed'], members)).toEqual(['u1', 'u3']);
  });
});
