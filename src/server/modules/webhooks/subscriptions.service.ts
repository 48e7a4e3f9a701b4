/**
 * Subscription use cases: authorize → validate (filters, SSRF at save time) → persist → audit. The signing secret
 * is generated here, sealed with the secret box, and returned in clear exactly once (create and rotate).
 */
import type { Actor } from '../../platform/auth/index.js';
import { authorize } from '../../platform/auth/index.js';
import { inTransaction } from '../../platform/db/index.js';
import { NotFoundError, ValidationError } from '../../platform/errors/index.js';
import { assertTargetAllowed, normalizeHost } from '../../platform/http/index.js';
import { generateWebhookSecret } from './standard-webhooks.js';
import { parseEventTypeFilters, validatePayloadFilter } from './subscription-filter.js';
import {
  deleteSubscriptionRow,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  readAllowedHosts,
  updateSubscriptionRow,
  writeAllowedHosts,
  type Subscription,
  type SubscriptionWrite,
} from './subscriptions.repo.js';
import type { WebhooksContext } from './webhooks.context.js';
import type { PayloadFilter, SubscriptionOrdering } from './webhooks.tables.js';

export interface CreateSubscriptionInput {
  url: string;
  description?: string | undefined;
  eventTypes?: string[] | undefined;
  payloadFilter?: PayloadFilter | null | undefined;
  enabled?: boolean | undefined;
  ordering?: SubscriptionOrdering | undefined;
}

export type UpdateSubscriptionInput = {
  [K in keyof CreateSubscriptionInput]?: CreateSubscriptionInput[K] | undefined;
};

const subjectOf = (id: string) => `webhook_subscription:${id}`;

/** What audit entries say about a subscription (never its secret). */
function summarize(s: Subscription) {
  return {
    id: s.id,
    url: s.url,
    eventTypes: s.eventTypes,
    payloadFilter: s.payloadFilter,
    enabled: s.enabled,
    ordering: s.ordering,
  };
}

/** Parses and checks a target URL: http(s), no credentials, allowed by the SSRF rules of the workspace. */
async function checkTarget(ctx: WebhooksContext, workspaceId: string, url: string): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError(`Invalid URL ${url}`, {
      fields: [{ location: 'body', path: 'url', message: 'is not a URL' }],
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new ValidationError('Webhook URLs must be http:// or https://', {
      fields: [{ location: 'body', path: 'url', message: 'must be http or https' }],
    });
  if (parsed.username || parsed.password)
    throw new ValidationError('Webhook URLs may not contain credentials; use the signature to authenticate', {
      fields: [{ location: 'body', path: 'url', message: 'contains credentials' }],
    });
  await assertTargetAllowed(parsed, await readAllowedHosts(ctx.db, workspaceId));
  return parsed.toString();
}

function checkFilters(input: {
  eventTypes?: string[] | undefined;
  payloadFilter?: PayloadFilter | null | undefined;
}) {
  if (input.eventTypes) parseEventTypeFilters(input.eventTypes);
  if (input.payloadFilter) validatePayloadFilter(input.payloadFilter);
}

export async function createSubscription(
  ctx: WebhooksContext,
  actor: Actor,
  input: CreateSubscriptionInput,
): Promise<{ subscription: Subscription; secret: string }> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  checkFilters(input);
  const url = await checkTarget(ctx, actor.workspaceId, input.url);
  const secret = generateWebhookSecret();
  const write: SubscriptionWrite = {
    url,
    description: input.description ?? '',
    eventTypes: input.eventTypes ?? [],
    payloadFilter: input.payloadFilter ?? null,
    enabled: input.enabled ?? true,
    ordering: input.ordering ?? 'ordered',
  };
  const subscription = await inTransaction(ctx.db, async (tx) => {
    const s = await insertSubscription(
      tx,
      actor.workspaceId,
      { ...write, secretCipher: ctx.secrets.encrypt(secret), createdBy: actor.userId },
      ctx.clock.now(),
    );
    await ctx.audit.record(tx, actor, {
      action: 'webhooks.subscription.create',
      subject: subjectOf(s.id),
      after: summarize(s),
    });
    return s;
  });
  return { subscription, secret };
}

export async function getSubscription(ctx: WebhooksContext, actor: Actor, id: string): Promise<Subscription> {
  authorize(actor, 'webhooks.read', { workspaceId: actor.workspaceId });
  const s = await findSubscription(ctx.db, actor.workspaceId, id);
  if (!s) throw new NotFoundError('Webhook subscription', id);
  return s;
}

export async function pageSubscriptions(
  ctx: WebhooksContext,
  actor: Actor,
  q: { after?: { createdAt: Date; id: string } | undefined; limit: number },
): Promise<{ items: Subscription[]; next: Subscription | null }> {
  authorize(actor, 'webhooks.read', { workspaceId: actor.workspaceId });
  const rows = await listSubscriptions(ctx.db, actor.workspaceId, { after: q.after, limit: q.limit + 1 });
  const items = rows.slice(0, q.limit);
  return { items, next: rows.length > q.limit ? (items.at(-1) ?? null) : null };
}

/**
 * Changes a subscription. Re-enabling clears the disabled reason and the failure run, so the 3-day clock starts
 * afresh; a new URL is checked against the SSRF rules again.
 */
export async function updateSubscription(
  ctx: WebhooksContext,
  actor: Actor,
  id: string,
  patch: UpdateSubscriptionInput,
): Promise<Subscription> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  checkFilters(patch);
  const url = patch.url !== undefined ? await checkTarget(ctx, actor.workspaceId, patch.url) : undefined;
  return inTransaction(ctx.db, async (tx) => {
    const before = await findSubscription(tx, actor.workspaceId, id, { forUpdate: true });
    if (!before) throw new NotFoundError('Webhook subscription', id);
    const enabling = patch.enabled === true && !before.enabled;
    const after = await updateSubscriptionRow(
      tx,
      id,
      {
        ...(url !== undefined ? { url } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.eventTypes !== undefined ? { eventTypes: patch.eventTypes } : {}),
        ...(patch.payloadFilter !== undefined ? { payloadFilter: patch.payloadFilter } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(patch.ordering !== undefined ? { ordering: patch.ordering } : {}),
        ...(enabling ? { disabledReason: null, disabledAt: null, failingSince: null } : {}),
        ...(patch.enabled === false && before.enabled
          ? { disabledReason: 'disabled by a user', disabledAt: ctx.clock.now() }
          : {}),
      },
      ctx.clock.now(),
    );
    await ctx.audit.record(tx, actor, {
      action: 'webhooks.subscription.update',
      subject: subjectOf(id),
      before: summarize(before),
      after: summarize(after),
    });
    return after;
  });
}

export async function deleteSubscription(ctx: WebhooksContext, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  await inTransaction(ctx.db, async (tx) => {
    const before = await findSubscription(tx, actor.workspaceId, id, { forUpdate: true });
    if (!before) throw new NotFoundError('Webhook subscription', id);
    await deleteSubscriptionRow(tx, actor.workspaceId, id);
    await ctx.audit.record(tx, actor, {
      action: 'webhooks.subscription.delete',
      subject: subjectOf(id),
      before: summarize(before),
    });
  });
}

/**
 * Replaces the signing secret. The old one keeps signing (a second `v1,` entry) until `previousValidUntil`, so
 * receivers can switch without losing a message. Returns the new secret, once.
 */
export async function rotateSubscriptionSecret(
  ctx: WebhooksContext,
  actor: Actor,
  id: string,
): Promise<{ subscription: Subscription; secret: string; previousValidUntil: Date }> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  const secret = generateWebhookSecret();
  return inTransaction(ctx.db, async (tx) => {
    const before = await findSubscription(tx, actor.workspaceId, id, { forUpdate: true });
    if (!before) throw new NotFoundError('Webhook subscription', id);
    const now = ctx.clock.now();
    const previousValidUntil = new Date(now.getTime() + ctx.options.rotationOverlapMs);
    const subscription = await updateSubscriptionRow(
      tx,
      id,
      {
        secretCipher: ctx.secrets.encrypt(secret),
        previousSecretCipher: before.secretCipher,
        previousSecretUntil: previousValidUntil,
      },
      now,
    );
    await ctx.audit.record(tx, actor, {
      action: 'webhooks.subscription.rotate_secret',
      subject: subjectOf(id),
      after: { previousValidUntil: previousValidUntil.toISOString() },
    });
    return { subscription, secret, previousValidUntil };
  });
}

/** The secrets that sign a delivery now: the current one, plus the previous one during the rotation window. */
export function openSigningSecrets(
  ctx: Pick<WebhooksContext, 'secrets'>,
  s: Subscription,
  now: Date,
): string[] {
  const secrets = [ctx.secrets.decrypt(s.secretCipher)];
  if (s.previousSecretCipher && s.previousSecretUntil && s.previousSecretUntil.getTime() > now.getTime())
    secrets.push(ctx.secrets.decrypt(s.previousSecretCipher));
  return secrets;
}

export async function getWebhookSettings(
  ctx: WebhooksContext,
  actor: Actor,
): Promise<{ allowedHosts: string[] }> {
  authorize(actor, 'webhooks.read', { workspaceId: actor.workspaceId });
  return { allowedHosts: await readAllowedHosts(ctx.db, actor.workspaceId) };
}

/** Sets the hosts outbound webhooks may reach even on private addresses (e.g. `127.0.0.1`, `hooks.internal`). */
export async function setWebhookSettings(
  ctx: WebhooksContext,
  actor: Actor,
  input: { allowedHosts: string[] },
): Promise<{ allowedHosts: string[] }> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  const hosts = [...new Set(input.allowedHosts.map((h) => normalizeHost(h.trim())).filter(Boolean))];
  for (const h of hosts) {
    if (!/^[a-z0-9.:_-]{1,253}$/.test(h))
      throw new ValidationError(`"${h}" is not a host name or IP address`, {
        fields: [
          { location: 'body', path: 'allowedHosts', message: 'must be host names or IPs, no ports or paths' },
        ],
      });
  }
  await inTransaction(ctx.db, async (tx) => {
    const before = await readAllowedHosts(tx, actor.workspaceId);
    await writeAllowedHosts(tx, actor.workspaceId, hosts, ctx.clock.now());
    await ctx.audit.record(tx, actor, {
      action: 'webhooks.settings.update',
      subject: `workspace:${actor.workspaceId}`,
      before: { allowedHosts: before },
      after: { allowedHosts: hosts },
    });
  });
  return { allowedHosts: hosts };
}
