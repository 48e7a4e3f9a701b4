/**
 * Consumer lag as a use case, for operators (HTTP `GET /api/v1/events/consumers`, CLI `switchboard events
 * consumers`): how far each durable consumer is behind its workspace's event log, and its last error.
 *
 * `lag` counts events, not only the ones a consumer wants: the runner moves a cursor past every event, so a
 * consumer at the head has lag 0 whatever its types. A consumer that never ran in a workspace is at 0.
 */
import type { Actor } from '../../auth/actor.js';
import { authorize } from '../../auth/policy.js';
import type { Executor } from '../../db/index.js';
import { listConsumerLagRows } from './consumer-cursor.repo.js';
import type { EventConsumerRegistry } from './event-consumer.js';

export interface ConsumerLag {
  consumer: string;
  workspaceId: string;
  /** False for a cursor left by a consumer this build no longer registers. */
  registered: boolean;
  /** The event types it handles (empty when not registered). */
  types: string[];
  /** Last seq the consumer has moved past in this workspace. */
  cursor: number;
  /** Last seq of the workspace's log. */
  head: number;
  /** Events appended after the cursor (head − cursor). */
  lag: number;
  /** When the cursor last moved; null when the consumer never ran here. */
  updatedAt: Date | null;
  /** The last handler failure, cleared by the next successful batch. */
  lastError: string | null;
}

/** Every consumer in every workspace, or in `workspaceId` only. No actor: the CLI runs as the operator. */
export async function listConsumerLagReport(
  db: Executor,
  registry: EventConsumerRegistry,
  opts: { workspaceId?: string | undefined } = {},
): Promise<ConsumerLag[]> {
  const consumers = registry.list();
  const typesOf = new Map(consumers.map((c) => [c.name, [...c.types]]));
  const rows = await listConsumerLagRows(db, {
    consumers: consumers.map((c) => c.name),
    workspaceId: opts.workspaceId,
  });
  return rows.map((r) => ({
    consumer: r.consumer,
    workspaceId: r.workspaceId,
    registered: r.registered,
    types: typesOf.get(r.consumer) ?? [],
    cursor: r.lastSeq,
    head: r.head,
    lag: Math.max(0, r.head - r.lastSeq),
    updatedAt: r.updatedAt,
    lastError: r.lastError,
  }));
}

/** The actor's workspace only (`jobs.read`, the operations read action). */
export async function listWorkspaceConsumerLag(
  db: Executor,
  registry: EventConsumerRegistry,
  actor: Actor,
): Promise<ConsumerLag[]> {
  authorize(actor, 'jobs.read', { workspaceId: actor.workspaceId });
  return listConsumerLagReport(db, registry, { workspaceId: actor.workspaceId });
}
