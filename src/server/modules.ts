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
import type { Executor } from './platform/db/index.js';

export function buildModules(deps: ModuleDeps): SwitchboardModule[] {
  const content = createContentModule(deps);
  // Reviewer-link decisions commit together with "link used": a content service bound to the link's transaction.
  const contentIn = (tx: Executor) =>
    createContentModule({ ...deps, db: { ...deps.db, kysely: tx } }).content;
  const reviews = createReviewsModule({ ...deps, content: createContentDecisionPort(contentIn) });
  const notifications = createNotificationsModule(deps);
  const catalog = createCatalogModule(deps);
  deps.events.consumers.register(...reviews.consumers, ...notifications.consumers);
  return [content, reviews, notifications, catalog];
}
