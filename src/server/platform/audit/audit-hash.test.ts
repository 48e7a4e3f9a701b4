import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  computeAuditHash,
  GENESIS_HASH,
  toJsonValue,
  verifyChainEntries,
  type AuditChainEntry,
  type AuditContent,
} from './audit-hash.js';

const WS = '00000000-0000-4000-8000-000000000001';

function content(seq: number, over: Partial<AuditContent> = {}): AuditContent {
  return {
    workspaceId: WS,
    seq,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    actor: { kind: 'user', userId: '00000000-0000-4000-8000-0000000000aa', tokenId: null },
    origin: 'api',
    action: 'content.update',
    subject: `content:${seq}`,
    before: { title: `v${seq - 1}` },
    after: { title: `v${seq}`, tags: ['a', 'b'] },
    ip: '127.0.0.1',
    userAgent: 'test',
    requestId: `req-${seq}`,
    ...over,
  };
}

/** A valid chain of `n` entries and its head. */
function buildChain(n: number): { entries: AuditChainEntry[]; head: { lastSeq: number; lastHash: string } } {
  const entries: AuditChainEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const c = content(seq);
    const hash = computeAuditHash(prev, c);
    entries.push({ id: `id-${seq}`, prevHash: prev, hash, content: c });
    prev = hash;
  }
  return { entries, head: { lastSeq: n, lastHash: prev } };
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes numbers in their shortest form', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 1.0 } })).toBe(
      '{"a":{"c":1,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ n: 1e21, m: 0.1, s: 'é\n' })).toBe('{"m":0.1,"n":1e+21,"s":"é\\n"}');
  });

  it('refuses values JSON cannot represent instead of hashing something ambiguous', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
    expect(() => canonicalJson(undefined)).toThrow(/no JSON representation/);
  });

  it('is the same for any key order and after a JSON round trip (what jsonb storage does)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const stored = JSON.parse(JSON.stringify(value)) as unknown;
        const reordered = reorderKeys(stored);
        expect(canonicalJson(reordered)).toBe(canonicalJson(toJsonValue(value)));
      }),
    );
  });
});

function reorderKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reorderKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reorderKeys(x)]),
    );
  }
  return v;
}

describe('toJsonValue', () => {
  it('normalizes what storage would change: dates to ISO strings, undefined members and values dropped', () => {
    expect(toJsonValue({ at: new Date('2026-01-02T03:04:05.678Z'), gone: undefined, keep: null })).toEqual({
      at: '2026-01-02T03:04:05.678Z',
      keep: null,
    });
    expect(toJsonValue(undefined)).toBeNull();
  });
});

describe('computeAuditHash', () => {
  it('depends on the previous hash and on every field', () => {
    const base = computeAuditHash(GENESIS_HASH, content(1));
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(computeAuditHash('f'.repeat(64), content(1))).not.toBe(base);
    for (const change of [
      { ip: '10.0.0.1' },
      { action: 'content.delete' },
      { after: { title: 'v2' } },
      { origin: 'cli' as const },
    ]) {
      expect(computeAuditHash(GENESIS_HASH, content(1, change))).not.toBe(base);
    }
    // Key order of the content object does not matter.
    const c = content(1);
    const shuffled = Object.fromEntries(Object.entries(c).reverse()) as unknown as AuditContent;
    expect(computeAuditHash(GENESIS_HASH, shuffled)).toBe(base);
  });
});

describe('verifyChainEntries', () => {
  it('accepts an intact chain and counts its entries', () => {
    const { entries, head } = buildChain(5);
    expect(verifyChainEntries(WS, entries, head)).toEqual({ ok: true, checked: 5 });
    expect(verifyChainEntries(WS, [], null)).toEqual({ ok: true, checked: 0 });
  });

  it('names the entry whose content was changed', () => {
    const { entries, head } = buildChain(5);
    entries[2] = { ...entries[2]!, content: { ...entries[2]!.content, after: { title: 'forged' } } };
    const r = verifyChainEntries(WS, entries, head);
    expect(r.ok).toBe(false);
    expect(r.checked).toBe(2);
    expect(r.firstBroken).toMatchObject({ workspaceId: WS, seq: 3, id: 'id-3', reason: 'hash_mismatch' });
  });

  it('detects a removed middle entry and names the missing number', () => {
    const { entries, head } = buildChain(5);
    entries.splice(2, 1);
    expect(verifyChainEntries(WS, entries, head).firstBroken).toMatchObject({
      seq: 3,
      id: null,
      reason: 'missing_entry',
    });
  });

  it('detects a forged entry whose hash was recomputed: the next one no longer links to it', () => {
    const { entries, head } = buildChain(5);
    const forged = { ...entries[2]!.content, after: { title: 'forged' } };
    entries[2] = { ...entries[2]!, content: forged, hash: computeAuditHash(entries[2]!.prevHash, forged) };
    expect(verifyChainEntries(WS, entries, head).firstBroken).toMatchObject({
      seq: 4,
      id: 'id-4',
      reason: 'prev_hash_mismatch',
    });
  });

  it('detects entries removed from the end, and a head that does not match the last entry', () => {
    const { entries, head } = buildChain(5);
    expect(verifyChainEntries(WS, entries.slice(0, 3), head).firstBroken).toMatchObject({
      seq: 4,
      reason: 'missing_entry',
    });
    expect(verifyChainEntries(WS, entries, { ...head, lastHash: GENESIS_HASH }).firstBroken).toMatchObject({
      reason: 'head_mismatch',
    });
    expect(verifyChainEntries(WS, entries, null).firstBroken).toMatchObject({ reason: 'head_mismatch' });
  });

  it('detects reordered entries', () => {
    const { entries, head } = buildChain(4);
    [entries[1], entries[2]] = [entries[2]!, entries[1]!];
    expect(verifyChainEntries(WS, entries, head).firstBroken).toMatchObject({
      seq: 2,
      reason: 'missing_entry',
    });
  });
});
