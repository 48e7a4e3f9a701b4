/**
 * The feature modules of this build, in dependency order. Adding a module is one line here; `main.ts` merges their
 * jobs and cron entries and `http-app.ts` registers their routes. Event consumers are registered on the event bus
 * here, so modules react to each other's events without importing each other.
 */
import type { ModuleDeps, SwitchboardModule } from './modules/module.js';
import { createCatalogModule } from './modules/catalog/index.js';
import { createContentModule } from './modules/content/index.js';
import { createNotificationsModule } from './modules/notifications/index.js';
import { createContentDecisionPort, createReviewsModule } from './modules/reviews/index.js';
import { createWebhooksModule, WEBHOOK_ENCRYPTED_COLUMNS } from './modules/webhooks/index.js';
import { CONNECTION_ENCRYPTED_COLUMNS, createConnectionsModule } from './modules/connections/index.js';
import { createDeliveriesModule } from './modules/deliveries/index.js';
import type { Executor } from './platform/db/index.js';
import type { EncryptedColumn } from './platform/crypto/index.js';

/**
 * Every module's encrypted columns, for the key registry of `serve` and `secrets rotate-key` alike: rotation must
 * visit each ciphertext, whoever owns its table.
 */
export const MODULE_ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  ...CONNECTION_ENCRYPTED_COLUMNS,
  ...WEBHOOK_ENCRYPTED_COLUMNS,
];

export function buildModules(deps: ModuleDeps): SwitchboardModule[] {
  const content = createContentModule(deps);
  // Reviewer-link decisions commit together with "link used": a content service bound to the link's transaction.
  const contentIn = (tx: Executor) =>
    createContentModule({ ...deps, db: { ...deps.db, kysely: tx } }).content;
  const reviews = createReviewsModule({ ...deps, content: createContentDecisionPort(contentIn) });
  const notifications = createNotificationsModule(deps);
  const catalog = createCatalogModule(deps);
  const connections = createConnectionsModule(deps);
  // The ledger reads content versions through the content service, bound to its own transaction when it has one.
  const deliveries = createDeliveriesModule({ ...deps, connections: connections.port, content: contentIn });
  // Owners and admins hear about an auto-disabled webhook subscription from the notifications consumer (the event
  // `webhook.subscription_disabled`), not through a call between the modules.
  const webhooks = createWebhooksModule({ ...deps, connections: connections.port });
  deps.events.consumers.register(...reviews.consumers, ...notifications.consumers, ...webhooks.consumers);
  deps.events.consumers.register(...deliveries.consumers);
  // Ingest first (ADR 0008): during an inbound burst the consumers' backlog waits, like inbound processing.
  deps.events.runner.yieldTo(webhooks.ingestFirst);
  return [content, reviews, notifications, catalog, webhooks, connections, deliveries];
}
