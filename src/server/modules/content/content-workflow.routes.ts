/** `/api/v1/workflows`: the workspace's workflow definitions (versioned), validation and apply. */
import { z } from 'zod';
import { page, type HttpApp } from '../../platform/http/index.js';
import type { StoredDefinition } from './content.definitions.js';
import type { ContentService } from './index.js';

const TAGS = ['workflows'];

const definitionSchema = z.object({
  key: z.string(),
  version: z.number().int(),
  builtIn: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.string().nullable(),
  definition: z.record(z.string(), z.unknown()).describe('The validated definition document'),
});

function toBody(d: StoredDefinition): z.infer<typeof definitionSchema> {
  return {
    key: d.key,
    version: d.version,
    builtIn: d.id === null,
    createdBy: d.createdBy,
    createdAt: d.createdAt?.toISOString() ?? null,
    definition: d.definition as unknown as Record<string, unknown>,
  };
}

export function registerWorkflowRoutes(app: HttpApp, content: ContentService): void {
  app.get(
    '/api/v1/workflows',
    {
      config: { action: 'workflow.read' },
      schema: {
        tags: TAGS,
        summary: 'Latest version of every workflow definition of the workspace (built-in default included)',
        response: { 200: page(definitionSchema) },
      },
    },
    async (request) => ({
      items: (await content.listWorkflows(request.actor)).map(toBody),
      nextCursor: null,
    }),
  );

  app.get(
    '/api/v1/workflows/:key',
    {
      config: { action: 'workflow.read' },
      schema: {
        tags: TAGS,
        summary: 'A workflow definition (latest, or ?version=N)',
        params: z.object({ key: z.string().max(63) }),
        querystring: z.object({ version: z.coerce.number().int().min(1).optional() }),
        response: { 200: definitionSchema },
      },
    },
    async (request) =>
      toBody(await content.showWorkflow(request.actor, request.params.key, request.query.version)),
  );

  app.post(
    '/api/v1/workflows/validate',
    {
      config: { action: 'workflow.read' },
      schema: {
        tags: TAGS,
        summary: 'Validate a definition without saving it: every problem with its path',
        body: z.unknown(),
        response: {
          200: z.object({
            ok: z.boolean(),
            problems: z.array(z.object({ path: z.string(), message: z.string() })),
          }),
        },
      },
    },
    async (request) => {
      const v = content.checkWorkflow(request.actor, request.body);
      return v.ok ? { ok: true, problems: [] } : { ok: false, problems: [...v.problems] };
    },
  );

  app.post(
    '/api/v1/workflows',
    {
      config: { action: 'workflow.manage' },
      schema: {
        tags: TAGS,
        summary: 'Apply a definition: validated, stored as the next version of its key',
        description:
          '422 WORKFLOW_DEFINITION_INVALID lists every problem. Existing content keeps the definition version it ' +
          'started with until migrated (POST /api/v1/content/{id}/workflow-migration).',
        body: z.unknown(),
        response: { 201: definitionSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(toBody(await content.applyWorkflow(request.actor, request.body))),
  );
}
