/**
 * The audit hash chain (DESIGN §6), pure: no database here, so it is unit-tested on in-memory rows.
 *
 * Each workspace has its own chain. Entry n stores `prev_hash` = hash of entry n-1 (the genesis hash for n = 1) and
 * `hash = sha256_hex(prev_hash + canonicalJson(content))`, where content is every recorded field of the entry
 * (workspace, seq, time, actor, origin, action, subject, before/after, ip, user agent, request id).
 *
 * canonicalJson is RFC 8785 (JCS, the `canonicalize` package): sorted keys, fixed number and string forms, so an
 * independent tool can recompute the chain from an export. Changing, removing or reordering any entry breaks it.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** prev_hash of the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Stable JSON text of a JSON value (RFC 8785). Throws on values JSON cannot represent (NaN, cycles). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonicalJson: value has no JSON representation');
  return text;
}

/**
 * What JSON storage gives back: dates become ISO strings, `undefined` members disappear. Values are normalized
 * this way BEFORE hashing, so the hash computed at write time matches the one recomputed from the stored jsonb.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/** The hashed fields of one audit entry. ids are lower-case (as PostgreSQL prints uuids). */
export interface AuditContent {
  workspaceId: string;
  seq: number;
  /** ISO 8601 with milliseconds, UTC. */
  at: string;
  actor: { kind: 'user' | 'token' | 'system'; userId: string | null; tokenId: string | null };
  origin: 'api' | 'cli' | 'job';
  action: string;
  subject: string;
  before: unknown;
  after: unknown;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export function computeAuditHash(prevHash: string, content: AuditContent): string {
  return createHash('sha256')
    .update(prevHash + canonicalJson(content))
    .digest('hex');
}

/** An entry as verification sees it. */
export interface AuditChainEntry {
  id: string;
  prevHash: string;
  hash: string;
  content: AuditContent;
}

export const BREAK_REASONS = [
  'missing_entry',
  'hash_mismatch',
  'prev_hash_mismatch',
  'head_mismatch',
] as const;
export type BreakReason = (typeof BREAK_REASONS)[number];

export interface ChainBreak {
  workspaceId: string;
  /** The sequence number where the chain breaks (for `missing_entry`: the first missing number). */
  seq: number;
  /** The offending entry; null when it is missing. */
  id: string | null;
  reason: BreakReason;
  message: string;
}

/**
 * Verifies one workspace's chain incrementally (entries fed in seq order, page by page), so a long chain never
 * has to fit in memory.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  checked = 0;

  constructor(private readonly workspaceId: string) {}

  /** Checks the next entry; returns the first problem found with it, or null. */
  check(entry: AuditChainEntry): ChainBreak | null {
    const { seq } = entry.content;
    const at = (reason: BreakReason, message: string, id: string | null = entry.id, s = seq): ChainBreak => ({
      workspaceId: this.workspaceId,
      seq: s,
      id,
      reason,
      message,
    });
    if (seq !== this.expectedSeq) {
      return at(
        'missing_entry',
        seq > this.expectedSeq
          ? `entry ${this.expectedSeq} is missing (entry ${seq} follows entry ${this.expectedSeq - 1})`
          : `entry ${seq} is out of order (expected ${this.expectedSeq})`,
        null,
        this.expectedSeq,
      );
    }
    if (computeAuditHash(entry.prevHash, entry.content) !== entry.hash) {
      return at('hash_mismatch', `entry ${seq} was modified after it was recorded (its hash does not match)`);
    }
    if (entry.prevHash !== this.prevHash) {
      return at('prev_hash_mismatch', `entry ${seq} does not link to entry ${seq - 1} (prev_hash differs)`);
    }
    this.checked++;
    this.expectedSeq = seq + 1;
    this.prevHash = entry.hash;
    return null;
  }

  /** After the last entry: the chain must end where the head (last_seq, last_hash) says it does. */
  finish(head: { lastSeq: number; lastHash: string } | null): ChainBreak | null {
    const lastSeq = this.expectedSeq - 1;
    const headSeq = head?.lastSeq ?? 0;
    const headHash = head?.lastHash ?? GENESIS_HASH;
    if (lastSeq < headSeq) {
      return {
        workspaceId: this.workspaceId,
        seq: lastSeq + 1,
        id: null,
        reason: 'missing_entry',
        message: `entries ${lastSeq + 1}..${headSeq} are missing from the end of the log`,
      };
    }
    if (lastSeq !== headSeq || this.prevHash !== headHash) {
      return {
        workspaceId: this.workspaceId,
        seq: lastSeq,
        id: null,
        reason: 'head_mismatch',
        message: `the chain head (entry ${headSeq}) does not match the last entry (${lastSeq})`,
      };
    }
    return null;
  }
}

/** Verifies a complete in-memory chain (tests, exports). */
export function verifyChainEntries(
  workspaceId: string,
  entries: Iterable<AuditChainEntry>,
  head: { lastSeq: number; lastHash: string } | null,
): { ok: boolean; checked: number; firstBroken?: ChainBreak } {
  const verifier = new ChainVerifier(workspaceId);
  for (const entry of entries) {
    const broken = verifier.check(entry);
    if (broken) return { ok: false, checked: verifier.checked, firstBroken: broken };
  }
  const broken = verifier.finish(head);
  return broken
    ? { ok: false, checked: verifier.checked, firstBroken: broken }
    : { ok: true, checked: verifier.checked };
}
