/**
 * Asset API programs and their catalogues: `POST /rest/asset/v1/programs.json` (form: name, folder, type, channel,
 * description, costs), `GET /rest/asset/v1/programs.json` (offset paging), `GET /rest/asset/v1/program/{id}.json`,
 * `GET /rest/asset/v1/program/byName.json`, `GET /rest/asset/v1/channels.json`, `GET /rest/asset/v1/folders.json`,
 * `GET /rest/asset/v1/emailTemplates.json`. Program names are unique in an instance (709 on a duplicate).
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../../platform/clock.js';
import type { MarketoStore, SandboxProgram } from './marketo-store.js';
import { jsonField, pageByOffset, sendError, sendResult } from './marketo-store.js';

const PROGRAM_TYPES: Record<string, string> = {
  Default: 'program',
  Event: 'event',
  'Event with Webinar': 'event',
  Engagement: 'nurture',
  Email: 'email',
};

export function registerProgramRoutes(
  app: FastifyInstance,
  deps: { store: MarketoStore; clock: Clock; baseUrl: () => string },
): void {
  const { store } = deps;
  const show = (p: SandboxProgram) => ({
    id: p.id,
    name: p.name,
    description: p.description,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    url: `${deps.baseUrl()}/#PG${p.id}A1`,
    type: p.type,
    channel: p.channel,
    folder: { type: 'Folder', value: p.folderId, folderName: store.folders.get(p.folderId)?.name ?? '' },
    status: '',
    workspace: 'Default',
    tags: [],
    costs: p.costs,
  });

  app.post(
    '/rest/asset/v1/programs.json',
    { config: { operation: 'asset.programs.create' } },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      const name = body['name']?.trim();
      if (!name) return sendError(reply, '701', 'name cannot be blank');
      const folder = jsonField<{ id?: number; type?: string }>(body['folder']);
      if (!folder || folder.type !== 'Folder' || !store.folders.has(Number(folder.id))) {
        return sendError(reply, '710', 'Parent folder not found');
      }
      const type = body['type'] ?? '';
      const wanted = PROGRAM_TYPES[type];
      if (!wanted) return sendError(reply, '1003', `Invalid program type '${type}'`);
      const channel = store.channels.find((c) => c.name === body['channel']);
      if (!channel) return sendError(reply, '1003', `Invalid channel '${body['channel'] ?? ''}'`);
      if (channel.applicableProgramType !== wanted) {
        return sendError(
          reply,
          '1003',
          `Channel '${channel.name}' is not applicable to program type '${type}'`,
        );
      }
      const costs = body['costs'] === undefined ? [] : jsonField<SandboxProgram['costs']>(body['costs']);
      if (!Array.isArray(costs)) return sendError(reply, '1003', 'Invalid costs');
      if (store.programByName(name))
        return sendError(reply, '709', `Program with name '${name}' already exists`);
      const now = deps.clock.now().toISOString();
      const program: SandboxProgram = {
        id: store.id(),
        name,
        description: body['description'] ?? '',
        type,
        channel: channel.name,
        folderId: Number(folder.id),
        costs,
        createdAt: now,
        updatedAt: now,
      };
      store.programs.set(program.id, program);
      return sendResult(reply, [show(program)]);
    },
  );

  app.get(
    '/rest/asset/v1/programs.json',
    { config: { operation: 'asset.programs.browse' } },
    async (request, reply) => {
      const all = [...store.programs.values()].sort((a, b) => a.id - b.id);
      return sendResult(reply, pageByOffset(all, request.query as Record<string, unknown>).map(show));
    },
  );

  app.get(
    '/rest/asset/v1/program/byName.json',
    { config: { operation: 'asset.program.byName' } },
    async (request, reply) => {
      const program = store.programByName(String((request.query as Record<string, unknown>)['name'] ?? ''));
      return sendResult(reply, program ? [show(program)] : []);
    },
  );

  app.get(
    '/rest/asset/v1/program/:id.json',
    { config: { operation: 'asset.program.get' } },
    async (request, reply) => {
      const program = store.programs.get(Number((request.params as { id: string }).id));
      if (!program) return sendError(reply, '702', 'No data found for given search scenario');
      return sendResult(reply, [show(program)]);
    },
  );

  app.get(
    '/rest/asset/v1/channels.json',
    { config: { operation: 'asset.channels.list' } },
    async (request, reply) => {
      const now = deps.clock.now().toISOString();
      const channels = store.channels.map((c) => ({
        ...c,
        createdAt: now,
        updatedAt: now,
        progressionStatuses: [],
      }));
      return sendResult(reply, pageByOffset(channels, request.query as Record<string, unknown>));
    },
  );

  app.get(
    '/rest/asset/v1/folders.json',
    { config: { operation: 'asset.folders.list' } },
    async (request, reply) => {
      const now = deps.clock.now().toISOString();
      const folders = [...store.folders.values()].map((f) => ({
        id: f.id,
        name: f.name,
        folderId: { id: f.id, type: 'Folder' },
        folderType: f.folderType,
        parent: f.parentId === null ? null : { id: f.parentId, type: 'Folder' },
        path: `/${f.name}`,
        isArchive: false,
        isSystem: false,
        createdAt: now,
        updatedAt: now,
        url: `${deps.baseUrl()}/#MF${f.id}A1`,
        workspace: 'Default',
      }));
      return sendResult(reply, pageByOffset(folders, request.query as Record<string, unknown>));
    },
  );

  app.get(
    '/rest/asset/v1/emailTemplates.json',
    { config: { operation: 'asset.emailTemplates.list' } },
    async (request, reply) => {
      const now = deps.clock.now().toISOString();
      const templates = [...store.templates.values()].map((t) => ({
        id: t.id,
        name: t.name,
        folder: { type: 'Folder', value: t.folderId, folderName: store.folders.get(t.folderId)?.name ?? '' },
        status: 'approved',
        version: 2,
        workspace: 'Default',
        createdAt: now,
        updatedAt: now,
        url: `${deps.baseUrl()}/#ET${t.id}B2`,
      }));
      return sendResult(reply, pageByOffset(templates, request.query as Record<string, unknown>));
    },
  );
}
