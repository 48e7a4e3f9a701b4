/**
 * reviews: comments, review requests and external reviewer links on content versions.
 *
 * Terminology:
 * - comment: a note on one content version, optionally a reply (`parentId`) and optionally anchored to a text
 *   range of the version's body (`anchor`: start/end offsets and the quoted text); `@mentions` name members.
 * - review request: a member asked to review an item (one open request per reviewer and item); completed when the
 *   reviewer approves or rejects, or cancelled.
 * - reviewer link: a bearer URL for someone without an account to view one version and approve or reject it once,
 *   on behalf of the member who made the link; it expires, can be revoked, and every use is audited.
 */
import type { ModuleDeps, SwitchboardModule } from '../module.js';
import type { EventConsumer } from '../../platform/events/index.js';
import type { ContentDecisionPort, ReviewsContext } from './reviews.context.js';
import { defineReviewRequestsConsumer } from './reviews.consumer.js';
import { registerReviewRoutes } from './reviews.routes.js';
import { registerReviewerLinkRoutes } from './reviewer-links.routes.js';

export type { ContentDecisionPort, ReviewsContext } from './reviews.context.js';
export { createContentDecisionPort } from './content-decisions.js';
export * from './reviews.errors.js';
export * from './reviews.service.js';
export * from './reviewer-links.service.js';
export type { Comment, ReviewRequest } from './reviews.repo.js';
export type { ReviewerLink } from './reviewer-links.repo.js';
export type { ReviewTables } from './reviews.tables.js';

export interface ReviewsModule extends SwitchboardModule {
  /** Register on `events.consumers` (the composition root does). */
  readonly consumers: readonly EventConsumer[];
  /** The context the use cases take, for the CLI and tests. */
  readonly context: ReviewsContext;
}

export function createReviewsModule(deps: ModuleDeps & { content: ContentDecisionPort }): ReviewsModule {
  const context: ReviewsContext = {
    db: deps.db,
    clock: deps.clock,
    events: deps.events,
    audit: deps.audit,
    publicUrl: deps.config.publicUrl,
    content: deps.content,
  };
  return {
    name: 'reviews',
    consumers: [defineReviewRequestsConsumer({ clock: deps.clock })],
    context,
    registerRoutes: (app) => {
      registerReviewRoutes(app, context);
      registerReviewerLinkRoutes(app, context);
    },
  };
}
