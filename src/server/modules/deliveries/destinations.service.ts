/**
 * Content destinations: where a content item goes when it is published — a list of `{ connectionId, action }`
 * (campaign destinations come later) — and the per-destination results of its deliveries.
 */
import { sql } from 'kysely';
import { authorize, systemActor, type Actor } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import type { DeliveriesContext } from './deliveries.context.js';
import { DestinationInvalidError } from './deliveries.errors.js';
import { listDeliveries, type Delivery } from './deliveries.repo.js';

/** Actions a destination may name (unpublishing follows from publishing; assets are not yet supported). */
export const DESTINATION_ACTIONS = ['publishContent', 'createCampaign'] as const;
export type DestinationAction = (typeof DESTINATION_ACTIONS)[number];

export interface Destination {
  connectionId: string;
  action: DestinationAction;
  position: number;
}

export async function listDestinations(db: Executor, contentId: string): Promise<Destination[]> {
  const r = await sql<{ connection_id: string; action: DestinationAction; position: number }>`
    SELECT connection_id, action, position FROM content_destinations WHERE content_id = ${contentId}
    ORDER BY position`.execute(db);
  return r.rows.map((x) => ({
    connectionId: x.connection_id,
    action: x.action,
    position: Number(x.position),
  }));
}

export async function getDestinations(
  ctx: DeliveriesContext,
  actor: Actor,
  contentId: string,
): Promise<Destination[]> {
  authorize(actor, 'deliveries.read', { workspaceId: actor.workspaceId });
  await ctx.content(ctx.db).get(systemActor(actor.workspaceId), contentId);
  return listDestinations(ctx.db, contentId);
}

/** Replaces the content's destinations; each connection must belong to the workspace and offer the action. */
export async function setDestinations(
  ctx: DeliveriesContext,
  actor: Actor,
  contentId: string,
  input: readonly { connectionId: string; action: DestinationAction }[],
): Promise<Destination[]> {
  authorize(actor, 'deliveries.destinations', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db, async (tx) => {
    // 404 for content of another workspace (the reader is bound to this transaction).
    await ctx.content(tx).get(systemActor(actor.workspaceId), contentId);
    const seen = new Set<string>();
    for (const d of input) {
      const key = `${d.connectionId}:${d.action}`;
      if (seen.has(key)) throw new DestinationInvalidError(`Destination ${key} is listed twice`);
      seen.add(key);
      const c = await ctx.connections.find(tx, actor.workspaceId, d.connectionId);
      if (!c) throw new DestinationInvalidError(`Connection ${d.connectionId} not found in this workspace`);
      const connector = ctx.connections.connectorOf(c.vendor);
      if (!connector?.manifest.capabilities.includes(d.action)) {
        throw new DestinationInvalidError(`The ${c.vendor} connector cannot ${d.action}`, {
          connectionId: c.id,
          capabilities: connector?.manifest.capabilities ?? [],
        });
      }
    }
    const before = await listDestinations(tx, contentId);
    await sql`DELETE FROM content_destinations WHERE content_id = ${contentId}`.execute(tx);
    const now = ctx.clock.now();
    let position = 0;
    for (const d of input) {
      await sql`
        INSERT INTO content_destinations (content_id, connection_id, action, workspace_id, position, created_at)
        VALUES (${contentId}, ${d.connectionId}, ${d.action}, ${actor.workspaceId}, ${position++}, ${now})`.execute(
        tx,
      );
    }
    const after = await listDestinations(tx, contentId);
    await ctx.audit.record(tx, actor, {
      action: 'deliveries.destinations.set',
      subject: `content:${contentId}`,
      before,
      after,
    });
    return after;
  });
}

export interface DestinationResult {
  connectionId: string;
  action: string;
  /** The newest delivery for this destination (publish or unpublish), if any. */
  latest: Delivery | null;
  /** Where the content lives at the vendor now (the newest successful publish), if anywhere. */
  externalUrl: string | null;
  externalId: string | null;
}

/** Per-destination results: partial success is a normal, visible outcome. */
export async function listContentResults(
  ctx: DeliveriesContext,
  actor: Actor,
  contentId: string,
): Promise<{ destinations: DestinationResult[]; deliveries: Delivery[] }> {
  authorize(actor, 'deliveries.read', { workspaceId: actor.workspaceId });
  await ctx.content(ctx.db).get(systemActor(actor.workspaceId), contentId);
  const destinations = await listDestinations(ctx.db, contentId);
  const deliveries = await listDeliveries(ctx.db, { workspaceId: actor.workspaceId, contentId, limit: 500 });
  const results: DestinationResult[] = destinations.map((dest) => {
    const mine = deliveries.filter(
      (d) =>
        d.connectionId === dest.connectionId &&
        (d.action === dest.action || (dest.action === 'publishContent' && d.action === 'unpublishContent')),
    );
    const live = mine.find(
      (d) => d.action === dest.action && (d.status === 'succeeded' || d.status === 'reconciled'),
    );
    return {
      connectionId: dest.connectionId,
      action: dest.action,
      latest: mine[0] ?? null,
      externalUrl: live?.externalUrl ?? null,
      externalId: live?.externalId ?? null,
    };
  });
  return { destinations: results, deliveries };
}
