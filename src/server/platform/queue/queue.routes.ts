/**
 * Job operations over HTTP. Jobs are platform-wide (a queue serves every workspace), so these routes are for admins
 * of any workspace: reading needs `jobs.read`, changing needs `jobs.manage`. Payloads may name another workspace;
 * exposing them to any workspace's admins is acceptable for a self-hosted single-organisation install and is
 * revisited if multi-organisation hosting becomes a goal.
 */
import { z } from 'zod';
import type { HttpApp } from '../http/index.js';
import { decodeCursor, encodeCursor, page } from '../http/index.js';
import type { Db } from '../db/index.js';
import type { Clock } from '../clock.js';
import {
  VIEW_STATES,
  cancelJob,
  getJob,
  getQueueStats,
  listJobs,
  retryAllDead,
  retryDeadJob,
  type JobDetail,
  type JobSummary,
} from './queue.service.js';

const attemptError = z.object({
  attempt: z.number().int(),
  at: z.string(),
  message: z.string(),
  class: z.string(),
  stack: z.string().nullable(),
});

const jobSummary = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(VIEW_STATES),
  priority: z.number().int(),
  runAt: z.string(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  dedupeKey: z.string().nullable(),
  orderingKey: z.string().nullable(),
  lockedBy: z.string().nullable(),
  lockedUntil: z.string().nullable(),
  lastError: attemptError.nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});

const jobDetail = jobSummary.extend({ payload: z.unknown(), errors: z.array(attemptError) });

const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a job id')
    .describe('Job id'),
});

function toSummaryJson(j: JobSummary): z.infer<typeof jobSummary> {
  return {
    ...j,
    runAt: j.runAt.toISOString(),
    lockedUntil: j.lockedUntil?.toISOString() ?? null,
    createdAt: j.createdAt.toISOString(),
    completedAt: j.completedAt?.toISOString() ?? null,
  };
}

function toDetailJson(j: JobDetail): z.infer<typeof jobDetail> {
  return { ...toSummaryJson(j), payload: j.payload, errors: j.errors };
}

export function registerQueueRoutes(app: HttpApp, deps: { db: Db; clock: Clock }): void {
  const { db, clock } = deps;
  const tags = ['jobs'];

  app.get(
    '/api/v1/jobs/stats',
    {
      config: { action: 'jobs.read' },
      schema: {
        tags,
        summary: 'Job counts by name and state, and the age of the oldest due job per name',
        response: {
          200: z.object({
            counts: z.array(
              z.object({ name: z.string(), state: z.enum(VIEW_STATES), count: z.number().int() }),
            ),
            oldestPending: z.array(z.object({ name: z.string(), ageSeconds: z.number() })),
          }),
        },
      },
    },
    async () => getQueueStats(db.kysely, clock),
  );

  app.get(
    '/api/v1/jobs',
    {
      config: { action: 'jobs.read' },
      schema: {
        tags,
        summary: 'List jobs, newest first',
        querystring: z.object({
          state: z.enum(VIEW_STATES).optional(),
          name: z.string().max(200).optional(),
          cursor: z.string().max(512).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: page(jobSummary) },
      },
    },
    async (request) => {
      const q = request.query;
      const after = decodeCursor(q.cursor, z.object({ id: z.string().regex(/^\d{1,15}$/) }));
      const res = await listJobs(
        db.kysely,
        {
          limit: q.limit,
          ...(q.state ? { state: q.state } : {}),
          ...(q.name ? { name: q.name } : {}),
          ...(after ? { cursor: after.id } : {}),
        },
        clock,
      );
      return {
        items: res.items.map(toSummaryJson),
        nextCursor: res.nextCursor === null ? null : encodeCursor({ id: res.nextCursor }),
      };
    },
  );

  app.get(
    '/api/v1/jobs/:id',
    {
      config: { action: 'jobs.read' },
      schema: {
        tags,
        summary: 'One job with its payload and every failed attempt',
        params: idParams,
        response: { 200: jobDetail },
      },
    },
    async (request) => toDetailJson(await getJob(db.kysely, request.params.id, clock)),
  );

  app.post(
    '/api/v1/jobs/:id/retry',
    {
      config: { action: 'jobs.manage' },
      schema: {
        tags,
        summary: 'Retry a dead job with a fresh set of attempts (409 JOB_NOT_DEAD otherwise)',
        params: idParams,
        response: { 200: jobDetail },
      },
    },
    async (request) => toDetailJson(await retryDeadJob(db.kysely, request.params.id, clock)),
  );

  app.post(
    '/api/v1/jobs/retry-dead',
    {
      config: { action: 'jobs.manage' },
      schema: {
        tags,
        summary: 'Retry every dead job with this name',
        body: z.object({ name: z.string().min(1).max(200) }),
        response: { 200: z.object({ retried: z.number().int() }) },
      },
    },
    async (request) => retryAllDead(db.kysely, request.body.name, clock),
  );

  app.post(
    '/api/v1/jobs/:id/cancel',
    {
      config: { action: 'jobs.manage' },
      schema: {
        tags,
        summary: 'Cancel a job that has not started (409 JOB_NOT_CANCELLABLE otherwise)',
        params: idParams,
        response: { 200: jobDetail },
      },
    },
    async (request) => toDetailJson(await cancelJob(db.kysely, request.params.id, clock)),
  );
}
