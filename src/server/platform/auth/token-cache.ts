/**
 * A short-lived cache of resolved API tokens, so a burst of API calls with one token costs one lookup, not one per
 * request (the lookup joins token, membership and user: ~0.8 ms of a ~5 ms write on the embedded database).
 *
 * Staleness bound: an entry lives `ttlMs` (default 2 s) on the injected clock. Every auth change made through this
 * process's API (token revoked, user added, workspace changed: all go through `recordChange`) clears the cache, so
 * there a revocation applies to the next request; a change made by another process (the CLI, another node, SQL)
 * applies within `ttlMs`.
 */
import type { ResolvedToken } from './tokens.service.js';

/** How long a resolved token may be reused without a lookup. */
export const TOKEN_CACHE_TTL_MS = 2_000;

export class TokenCache {
  private readonly entries = new Map<string, { token: ResolvedToken; until: number }>();

  constructor(
    private readonly ttlMs = TOKEN_CACHE_TTL_MS,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached token for `tokenHash`, unless the entry is older than the TTL or the token expired at `nowMs`. */
  get(tokenHash: string, nowMs: number): ResolvedToken | undefined {
    const hit = this.entries.get(tokenHash);
    if (!hit) return undefined;
    const stale = nowMs >= hit.until || nowMs < hit.until - this.ttlMs;
    if (stale || (hit.token.expiresAt && hit.token.expiresAt.getTime() <= nowMs)) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return hit.token;
  }

  set(tokenHash: string, token: ResolvedToken, nowMs: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(tokenHash, { token, until: nowMs + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}
