/** `GET /api/v1/content/:id/actions`: the workflow actions the caller could take now, for the UI's buttons. */
import { z } from 'zod';
import type { HttpApp } from '../../platform/http/index.js';
import { sendWithVersionEtag } from './content.http.js';
import type { ContentActions } from './content-actions.service.js';
import type { ContentService } from './index.js';
import { GUARD_KINDS, RULE_KINDS } from './workflow/index.js';

const failedSchema = z.object({
  guard: z.enum([...GUARD_KINDS, 'reason', 'state']),
  rule: z.enum(RULE_KINDS).optional(),
  message: z.string(),
});

const actionSchema = z.object({
  action: z.string(),
  to: z.string().describe('Target state'),
  label: z.string(),
  allowed: z
    .boolean()
    .describe('A transition by you would be accepted now (a required reason assumed given)'),
  requiresReason: z.boolean(),
  completes: z.boolean().describe('False when taking it would only record your approval (min_approvals)'),
  failed: z.array(failedSchema).describe('Every failing guard, as a refused transition would list them'),
  approvals: z
    .object({ count: z.number().int(), required: z.number().int(), approvedByYou: z.boolean() })
    .optional()
    .describe('For actions gated by min_approvals: approvals counted on the current content hash'),
});

export const contentActionsSchema = z
  .object({
    contentId: z.string(),
    state: z.string(),
    version: z.number().int().describe('Send it back as If-Match / expectedVersion when taking an action'),
    workflow: z.object({ key: z.string(), version: z.number().int() }),
    actions: z.array(actionSchema),
    rollbackAllowed: z.boolean(),
    rollbackTargets: z.array(z.string()).describe('States POST …/rollback accepts as target now'),
  })
  .describe('The workflow actions leaving the current state, judged for the caller');

function toBody(a: ContentActions): z.infer<typeof contentActionsSchema> {
  return {
    ...a,
    actions: a.actions.map((o) => ({ ...o, failed: o.failed.map((f) => ({ ...f })) })),
  };
}

export function registerContentActionRoutes(app: HttpApp, content: ContentService): void {
  app.get(
    '/api/v1/content/:id/actions',
    {
      config: { action: 'content.read', etag: false },
      schema: {
        tags: ['content'],
        summary: 'Workflow actions leaving the current state, each allowed or not for you and why',
        description:
          'Evaluated with the same guards as POST …/transitions, without changing anything. Strong ETag ' +
          '"<version>.<digest>" (If-None-Match → 304); the answer depends on who asks.',
        params: z.object({ id: z.uuid() }),
        response: { 200: contentActionsSchema, 304: z.null() },
      },
    },
    async (request, reply) => {
      const actions = await content.actions(request.actor, request.params.id);
      // Per-caller body: shared caches must not hand one user's buttons to another.
      reply.header('cache-control', 'private, no-cache');
      return sendWithVersionEtag(request, reply, actions.version, toBody(actions));
    },
  );
}
