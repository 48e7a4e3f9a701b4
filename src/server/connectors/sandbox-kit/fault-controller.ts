/**
 * Fault injection shared by every vendor sandbox. A fault is armed with `inject` (in-process) or
 * `POST /__sandbox/faults` (CLI, UI, demo) and fires on matching requests until its `times` run out.
 *
 * Kinds, and what the sandbox does when one fires:
 * - `rate_limit`: answers with the vendor's rate-limit response (HubSpot: 429 + policyName; Marketo: 606) before any effect;
 * - `server_error`: answers with a 5xx (`status`, default 500) before any effect;
 * - `hang`: never answers; the socket stays open until the client gives up (or the sandbox closes);
 * - `malformed_json`: performs the effect, then answers with a truncated JSON body;
 * - `lose_response`: performs the effect, then destroys the socket without answering;
 * - `expire_tokens`: fires once, at injection: every token issued so far becomes invalid (OAuth access tokens expire;
 *   non-expiring tokens such as private-app tokens are rejected until the faults are cleared).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const FAULT_KINDS = [
  'rate_limit',
  'server_error',
  'hang',
  'malformed_json',
  'expire_tokens',
  'lose_response',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults whose effect happens before the handler runs (no state change). */
export const PRE_EFFECT_FAULTS: readonly FaultKind[] = ['rate_limit', 'server_error', 'hang'];
/** Faults applied to the response after the handler performed its effect. */
export const POST_EFFECT_FAULTS: readonly FaultKind[] = ['malformed_json', 'lose_response'];

/** What `inject` and `POST /__sandbox/faults` accept. */
export const faultSpecSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    /** How many matching requests the fault fires on; absent: until cleared. */
    times: z.number().int().positive().optional(),
    /** Only requests for this operation (`cms.posts.create`), or a prefix ending in `*` (`cms.posts.*`). */
    operation: z.string().min(1).optional(),
    /** Only requests for this route: `POST /cms/v3/blogs/posts` (method + route pattern) or a bare route pattern. */
    route: z.string().min(1).optional(),
    /** `server_error` status (500–599; default 500). */
    status: z.number().int().min(500).max(599).optional(),
    /** `rate_limit`: the Retry-After the sandbox announces, in seconds. */
    retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
    /** `rate_limit`: vendor-specific policy (HubSpot `TEN_SECONDLY_ROLLING` | `DAILY`; Marketo `606` | `607` | `615`). */
    policyName: z.string().min(1).max(64).optional(),
  })
  .strict();
export type FaultSpec = z.infer<typeof faultSpecSchema>;

export interface ActiveFault {
  id: string;
  spec: FaultSpec;
  /** Occurrences left; null: unlimited. */
  remaining: number | null;
  /** How many requests it has fired on. */
  hits: number;
  injectedAt: string;
}

/** What a request looks like to the matcher. */
export interface FaultTarget {
  method: string;
  /** The route pattern (`/cms/v3/blogs/posts/:objectId`), or the path when unrouted. */
  route: string;
  operation: string | undefined;
}

export interface FaultHooks {
  /** Invalidate every token issued so far (the vendor's own semantics). */
  expireTokens(): void;
  /** Called by `clear()`: undo what `expireTokens` cannot undo by itself (revoked non-expiring tokens). */
  restoreTokens?(): void;
}

export class FaultInjectionError extends Error {
  readonly code = 'SANDBOX_FAULT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'FaultInjectionError';
  }
}

export class FaultController {
  private active: ActiveFault[] = [];
  private readonly history: ActiveFault[] = [];

  constructor(
    private readonly hooks: FaultHooks,
    private readonly nowIso: () => string = () => new Date().toISOString(),
  ) {}

  /** Arms a fault (validated); `expire_tokens` takes effect immediately and is not kept armed. */
  inject(input: unknown): ActiveFault {
    const parsed = faultSpecSchema.safeParse(input);
    if (!parsed.success) {
      throw new FaultInjectionError(
        parsed.error.issues.map((i) => `${i.path.join('.') || 'fault'}: ${i.message}`).join('; '),
      );
    }
    const spec = parsed.data;
    const fault: ActiveFault = {
      id: randomUUID(),
      spec,
      remaining: spec.times ?? null,
      hits: 0,
      injectedAt: this.nowIso(),
    };
    this.history.push(fault);
    if (spec.kind === 'expire_tokens') {
      this.hooks.expireTokens();
      fault.hits = 1;
      fault.remaining = 0;
      return fault;
    }
    this.active.push(fault);
    return fault;
  }

  /** Disarms one fault, or all of them (and restores revoked tokens) when no id is given. */
  clear(id?: string): void {
    if (id !== undefined) {
      this.active = this.active.filter((f) => f.id !== id);
      return;
    }
    this.active = [];
    this.hooks.restoreTokens?.();
  }

  /** Armed faults, oldest first. */
  list(): readonly ActiveFault[] {
    return this.active;
  }

  /** Every fault injected since start, with its hit count. */
  injected(): readonly ActiveFault[] {
    return this.history;
  }

  /** Finds the oldest armed fault matching the request and consumes one occurrence of it. */
  take(target: FaultTarget): ActiveFault | undefined {
    const fault = this.active.find((f) => matchesFault(f.spec, target));
    if (!fault) return undefined;
    fault.hits += 1;
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.active = this.active.filter((f) => f !== fault);
    }
    return fault;
  }
}

export function matchesFault(spec: FaultSpec, target: FaultTarget): boolean {
  if (spec.operation !== undefined) {
    if (target.operation === undefined) return false;
    if (spec.operation.endsWith('*')) {
      if (!target.operation.startsWith(spec.operation.slice(0, -1))) return false;
    } else if (spec.operation !== target.operation) return false;
  }
  if (spec.route !== undefined) {
    const [first, second] = spec.route.split(/\s+/, 2);
    if (second !== undefined) {
      if (first?.toUpperCase() !== target.method.toUpperCase() || second !== target.route) return false;
    } else if (first !== target.route) return false;
  }
  return true;
}
