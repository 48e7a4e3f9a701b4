/**
 * The typed job catalog (trigger.dev style): each job name maps to a zod payload schema, a handler, a lease and a
 * retry policy. A module defines its own catalog with `defineJobs`, enqueues through it (the schema is checked at
 * enqueue time) and hands it to the composition root, which merges all catalogs for the worker.
 */
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type { Clock } from '../clock.js';

/** Exponential backoff with full jitter between attempts; `maxAttempts` counts the first run. */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseMs: 1_000, maxMs: 15 * 60_000 };
export const DEFAULT_LEASE_MS = 5 * 60_000;

/** What a handler receives besides its payload. */
export interface JobContext {
  jobId: string;
  /** 1 for the first run. */
  attempt: number;
  /** Child logger carrying `job_id`, `job_name` and `workspace_id` when the payload has one. */
  logger: Logger;
  /** Aborted on worker shutdown past the grace period, or when this worker lost the job's lease. */
  signal: AbortSignal;
  clock: Clock;
}

export interface JobDefinition<S extends z.ZodType> {
  payload: S;
  handler: (payload: z.output<S>, ctx: JobContext) => Promise<void> | void;
  /** How long a claim is held without a heartbeat before another worker may take the job. */
  leaseMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Higher runs first; default 0. */
  priority?: number;
  /** Jobs sharing a key run one at a time, in enqueue order. Return null for "no lane". */
  orderingKey?: (payload: z.output<S>) => string | null;
}

/** A definition with its defaults applied; what the worker and enqueue use at runtime. */
export interface ResolvedJobDefinition {
  name: string;
  payload: z.ZodType;
  handler: (payload: unknown, ctx: JobContext) => Promise<void> | void;
  leaseMs: number;
  retry: RetryPolicy;
  priority: number;
  orderingKey: ((payload: unknown) => string | null) | null;
}

export type JobSchemas = Record<string, z.ZodType>;

/** A set of job definitions. `P` maps each job name to its payload schema, so enqueue is checked at compile time. */
export interface JobCatalog<P extends JobSchemas = JobSchemas> {
  readonly definitions: ReadonlyMap<string, ResolvedJobDefinition>;
  /** Phantom: the payload schema per name (types only). */
  readonly schemas?: P;
}

/** The payload type callers pass to enqueue for job `N`. */
export type JobPayload<P extends JobSchemas, N extends keyof P> = z.input<P[N]>;

/**
 * Defines jobs. Names are dotted (`email.send`). Example:
 * `defineJobs({ 'email.send': { payload: z.object({ to: z.string() }), handler: async (p, ctx) => … } })`.
 */
export function defineJobs<P extends JobSchemas>(defs: {
  [K in keyof P]: JobDefinition<P[K]>;
}): JobCatalog<P> {
  const definitions = new Map<string, ResolvedJobDefinition>();
  for (const [name, def] of Object.entries(defs) as [string, JobDefinition<z.ZodType>][]) {
    if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/.test(name)) {
      throw new Error(`job name "${name}" must be dotted lower case, e.g. "email.send"`);
    }
    const retry = { ...DEFAULT_RETRY, ...def.retry };
    if (retry.maxAttempts < 1 || retry.baseMs < 0 || retry.maxMs < retry.baseMs) {
      throw new Error(`job "${name}": invalid retry policy ${JSON.stringify(retry)}`);
    }
    definitions.set(name, {
      name,
      payload: def.payload,
      handler: def.handler as ResolvedJobDefinition['handler'],
      leaseMs: def.leaseMs ?? DEFAULT_LEASE_MS,
      retry,
      priority: def.priority ?? 0,
      orderingKey: (def.orderingKey as ResolvedJobDefinition['orderingKey']) ?? null,
    });
  }
  return { definitions };
}

/** Merges several modules' catalogs into the one a worker runs; a name defined twice is an error. */
export function mergeJobCatalogs(...catalogs: JobCatalog<JobSchemas>[]): JobCatalog {
  const definitions = new Map<string, ResolvedJobDefinition>();
  for (const c of catalogs) {
    for (const [name, def] of c.definitions) {
      if (definitions.has(name)) throw new Error(`job "${name}" is defined twice`);
      definitions.set(name, def);
    }
  }
  return { definitions };
}
