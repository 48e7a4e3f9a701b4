/** SQL for subscriptions and the workspace webhook settings. Secrets stay sealed here; services open them. */
import type { Executor } from '../../platform/db/index.js';
import { webhookDb, type PayloadFilter, type SubscriptionOrdering } from './webhooks.tables.js';

export interface Subscription {
  id: string;
  workspaceId: string;
  url: string;
  description: string;
  eventTypes: string[];
  payloadFilter: PayloadFilter | null;
  enabled: boolean;
  ordering: SubscriptionOrdering;
  secretCipher: string;
  previousSecretCipher: string | null;
  previousSecretUntil: Date | null;
  failingSince: Date | null;
  disabledReason: string | null;
  disabledAt: Date | null;
  createdBy: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SubscriptionWrite {
  url: string;
  description: string;
  eventTypes: string[];
  payloadFilter: PayloadFilter | null;
  enabled: boolean;
  ordering: SubscriptionOrdering;
}

type Row = {
  id: string;
  workspace_id: string;
  url: string;
  description: string;
  event_types: string[];
  payload_filter: PayloadFilter | null;
  enabled: boolean;
  ordering: SubscriptionOrdering;
  secret_cipher: string;
  previous_secret_cipher: string | null;
  previous_secret_until: Date | null;
  failing_since: Date | null;
  disabled_reason: string | null;
  disabled_at: Date | null;
  created_by: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
};

function toSubscription(r: Row): Subscription {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    url: r.url,
    description: r.description,
    eventTypes: r.event_types,
    payloadFilter: r.payload_filter,
    enabled: r.enabled,
    ordering: r.ordering,
    secretCipher: r.secret_cipher,
    previousSecretCipher: r.previous_secret_cipher,
    previousSecretUntil: r.previous_secret_until,
    failingSince: r.failing_since,
    disabledReason: r.disabled_reason,
    disabledAt: r.disabled_at,
    createdBy: r.created_by,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function insertSubscription(
  db: Executor,
  workspaceId: string,
  w: SubscriptionWrite & { secretCipher: string; createdBy: string | null },
  now: Date,
): Promise<Subscription> {
  const row = await webhookDb(db)
    .insertInto('webhook_subscriptions')
    .values({
      workspace_id: workspaceId,
      url: w.url,
      description: w.description,
      event_types: JSON.stringify(w.eventTypes),
      payload_filter: w.payloadFilter ? JSON.stringify(w.payloadFilter) : null,
      enabled: w.enabled,
      ordering: w.ordering,
      secret_cipher: w.secretCipher,
      previous_secret_cipher: null,
      previous_secret_until: null,
      failing_since: null,
      disabled_reason: null,
      disabled_at: null,
      created_by: w.createdBy,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSubscription(row);
}

export async function findSubscription(
  db: Executor,
  workspaceId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Subscription | null> {
  let q = webhookDb(db)
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toSubscription(row) : null;
}

export async function listSubscriptions(
  db: Executor,
  workspaceId: string,
  opts: { enabledOnly?: boolean; after?: { createdAt: Date; id: string } | undefined; limit?: number } = {},
): Promise<Subscription[]> {
  let q = webhookDb(db)
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .orderBy('id');
  if (opts.enabledOnly) q = q.where('enabled', '=', true);
  const after = opts.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  }
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  return (await q.execute()).map(toSubscription);
}

export async function updateSubscriptionRow(
  db: Executor,
  id: string,
  patch: Partial<SubscriptionWrite> & {
    secretCipher?: string;
    previousSecretCipher?: string | null;
    previousSecretUntil?: Date | null;
    failingSince?: Date | null;
    disabledReason?: string | null;
    disabledAt?: Date | null;
  },
  now: Date,
): Promise<Subscription> {
  const row = await webhookDb(db)
    .updateTable('webhook_subscriptions')
    .set((eb) => ({
      updated_at: now,
      version: eb('version', '+', 1),
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.eventTypes !== undefined ? { event_types: JSON.stringify(patch.eventTypes) } : {}),
      ...(patch.payloadFilter !== undefined
        ? { payload_filter: patch.payloadFilter ? JSON.stringify(patch.payloadFilter) : null }
        : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.ordering !== undefined ? { ordering: patch.ordering } : {}),
      ...(patch.secretCipher !== undefined ? { secret_cipher: patch.secretCipher } : {}),
      ...(patch.previousSecretCipher !== undefined
        ? { previous_secret_cipher: patch.previousSecretCipher }
        : {}),
      ...(patch.previousSecretUntil !== undefined
        ? { previous_secret_until: patch.previousSecretUntil }
        : {}),
      ...(patch.failingSince !== undefined ? { failing_since: patch.failingSince } : {}),
      ...(patch.disabledReason !== undefined ? { disabled_reason: patch.disabledReason } : {}),
      ...(patch.disabledAt !== undefined ? { disabled_at: patch.disabledAt } : {}),
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSubscription(row);
}

/** Records a failed attempt's start of a failure run (kept if already failing); returns the run's start. */
export async function markSubscriptionFailing(db: Executor, id: string, now: Date): Promise<Date | null> {
  const row = await webhookDb(db)
    .updateTable('webhook_subscriptions')
    .set((eb) => ({ failing_since: eb.fn.coalesce('failing_since', eb.val(now)) }))
    .where('id', '=', id)
    .returning('failing_since')
    .executeTakeFirst();
  return row?.failing_since ?? null;
}

export async function clearSubscriptionFailing(db: Executor, id: string): Promise<void> {
  await webhookDb(db)
    .updateTable('webhook_subscriptions')
    .set({ failing_since: null })
    .where('id', '=', id)
    .where('failing_since', 'is not', null)
    .execute();
}

export async function deleteSubscriptionRow(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const res = await webhookDb(db)
    .deleteFrom('webhook_subscriptions')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function readAllowedHosts(db: Executor, workspaceId: string): Promise<string[]> {
  const row = await webhookDb(db)
    .selectFrom('webhook_settings')
    .select('allowed_hosts')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row?.allowed_hosts ?? [];
}

export async function writeAllowedHosts(
  db: Executor,
  workspaceId: string,
  hosts: string[],
  now: Date,
): Promise<void> {
  await webhookDb(db)
    .insertInto('webhook_settings')
    .values({ workspace_id: workspaceId, allowed_hosts: JSON.stringify(hosts), updated_at: now })
    .onConflict((oc) =>
      oc.column('workspace_id').doUpdateSet({ allowed_hosts: JSON.stringify(hosts), updated_at: now }),
    )
    .execute();
}

/** Disables a subscription that is still enabled; false when another attempt (or a user) got there first. */
export async function disableSubscriptionRow(
  db: Executor,
  id: string,
  reason: string,
  now: Date,
): Promise<boolean> {
  const row = await webhookDb(db)
    .updateTable('webhook_subscriptions')
    .set((eb) => ({
      enabled: false,
      disabled_reason: reason,
      disabled_at: now,
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', id)
    .where('enabled', '=', true)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
