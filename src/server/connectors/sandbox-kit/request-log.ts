/**
 * Every request a sandbox receives, in arrival order, with the operation it was routed to, the status it got and the
 * fault that fired on it. Tests count vendor calls with it (`count('cms.posts.create')`).
 */
import type { FaultKind } from './fault-controller.js';

export interface RequestLogEntry {
  seq: number;
  at: string;
  method: string;
  path: string;
  /** The vendor operation (`cms.posts.create`); undefined for unrouted requests. */
  operation: string | undefined;
  /** Response status; undefined while in flight, or when the response was never sent (hang, lost response). */
  status: number | undefined;
  fault: FaultKind | undefined;
  /** A vendor-chosen, secret-free key for the caller (e.g. a token's fingerprint). */
  caller: string | undefined;
}

export interface CountFilter {
  status?: number;
  /** Only requests that got a 2xx (whether or not the client saw it). */
  succeeded?: boolean;
  fault?: FaultKind | 'none';
}

export class RequestLog {
  private items: RequestLogEntry[] = [];
  private seq = 0;

  constructor(private readonly nowIso: () => string = () => new Date().toISOString()) {}

  record(init: { method: string; path: string; operation: string | undefined }): RequestLogEntry {
    this.seq += 1;
    const entry: RequestLogEntry = {
      seq: this.seq,
      at: this.nowIso(),
      method: init.method,
      path: init.path,
      operation: init.operation,
      status: undefined,
      fault: undefined,
      caller: undefined,
    };
    this.items.push(entry);
    return entry;
  }

  /** Requests received for `operation` (all operations when omitted), optionally filtered. */
  count(operation?: string, filter: CountFilter = {}): number {
    return this.items.filter((e) => {
      if (operation !== undefined && e.operation !== operation) return false;
      if (filter.status !== undefined && e.status !== filter.status) return false;
      if (filter.succeeded === true && (e.status === undefined || e.status < 200 || e.status > 299))
        return false;
      if (filter.fault === 'none' && e.fault !== undefined) return false;
      if (filter.fault !== undefined && filter.fault !== 'none' && e.fault !== filter.fault) return false;
      return true;
    }).length;
  }

  /** Request counts per operation (`unrouted` for requests no route matched). */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.items) {
      const key = e.operation ?? 'unrouted';
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  entries(): readonly RequestLogEntry[] {
    return this.items;
  }

  clear(): void {
    this.items = [];
  }
}
