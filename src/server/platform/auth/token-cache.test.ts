import { describe, expect, it } from 'vitest';
import { TokenCache } from './token-cache.js';
import type { ResolvedToken } from './tokens.service.js';

const token = (expiresAt: Date | null = null): ResolvedToken => ({
  id: 't1',
  workspaceId: 'w1',
  userId: 'u1',
  role: 'editor',
  expiresAt,
});

describe('TokenCache', () => {
  it('serves an entry for the TTL on the given clock, then forgets it', () => {
    const cache = new TokenCache(2_000);
    cache.set('h', token(), 10_000);
    expect(cache.get('h', 10_000)?.id).toBe('t1');
    expect(cache.get('h', 11_999)?.id).toBe('t1');
    expect(cache.get('h', 12_000)).toBeUndefined();
    expect(cache.get('h', 10_000)).toBeUndefined();
  });

  it('never serves a token past its own expiry, nor from a clock that went backwards', () => {
    const cache = new TokenCache(60_000);
    cache.set('h', token(new Date(10_500)), 10_000);
    expect(cache.get('h', 10_499)?.id).toBe('t1');
    expect(cache.get('h', 10_500)).toBeUndefined();
    cache.set('h', token(), 10_000);
    expect(cache.get('h', 9_000)).toBeUndefined();
  });

  it('clear() drops everything; a zero TTL caches nothing', () => {
    const cache = new TokenCache(2_000);
    cache.set('a', token(), 0);
    cache.clear();
    expect(cache.get('a', 1)).toBeUndefined();
    const off = new TokenCache(0);
    off.set('a', token(), 0);
    expect(off.get('a', 0)).toBeUndefined();
  });
});
