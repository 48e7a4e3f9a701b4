/**
 * The `ContentDecisionPort` on top of the content module's public service. The port must run in the caller's
 * transaction (the decision and "link used" commit together), so it takes a factory giving the content service
 * bound to that transaction; with a service method that accepts an executor this shrinks to one call.
 */
import type { Executor } from '../../platform/db/index.js';
import type { ContentService } from '../content/index.js';
import type { ContentDecisionPort } from './reviews.context.js';

export function createContentDecisionPort(
  contentIn: (tx: Executor) => Pick<ContentService, 'get' | 'transition'>,
): ContentDecisionPort {
  return {
    decideContent: async (tx, actor, input) => {
      const content = contentIn(tx);
      // The link is pinned to a version, not an item counter: take whatever counter the item has right now.
      const { item } = await content.get(actor, input.contentId);
      const result = await content.transition(actor, input.contentId, {
        action: input.action,
        reason: input.reason ?? undefined,
        expectedVersion: item.version,
      });
      return { completed: result.completed, state: result.item.state };
    },
  };
}
