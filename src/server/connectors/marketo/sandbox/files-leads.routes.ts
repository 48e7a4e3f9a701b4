/**
 * Design Studio files and the lead database's static lists:
 * - `POST /rest/asset/v1/files.json` (multipart: file, name, folder, description, insertOnly), `GET
 *   /rest/asset/v1/files.json` (folder filter, offset paging), `GET /rest/asset/v1/file/byName.json`, and the public
 *   URL of each file (`/rs/<munchkin>/images/<name>`, outside the API: no auth, no validation);
 * - `GET /rest/v1/lists.json` and `GET /rest/v1/lists/{listId}/leads.json`, paged with `batchSize` (max 300) and an
 *   opaque `nextPageToken` given while more records follow.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../../platform/clock.js';
import { formDataOf } from './marketo-gate.js';
import type { MarketoStore, SandboxFile } from './marketo-store.js';
import { jsonField, pageByOffset, sendError, sendResult } from './marketo-store.js';

const MUNCHKIN = '000-AAA-000';

export function registerFileAndLeadRoutes(
  app: FastifyInstance,
  deps: { store: MarketoStore; clock: Clock; baseUrl: () => string },
): void {
  const { store } = deps;
  const publicPath = (f: SandboxFile) => `/rs/${MUNCHKIN}/images/${encodeURIComponent(f.name)}`;
  const show = (f: SandboxFile) => ({
    id: f.id,
    name: f.name,
    description: f.description,
    folder: { id: f.folderId, name: store.folders.get(f.folderId)?.name ?? '', type: 'Folder' },
    mimeType: f.mimeType,
    size: f.bytes.byteLength,
    url: `${deps.baseUrl()}${publicPath(f)}`,
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
  });

  app.post(
    '/rest/asset/v1/files.json',
    { config: { operation: 'asset.files.create' } },
    async (request, reply) => {
      let form: FormData;
      try {
        form = await formDataOf(request);
      } catch {
        return sendError(reply, '613', 'Invalid multipart request');
      }
      const file = form.get('file');
      if (!(file instanceof Blob)) return sendError(reply, '701', 'file cannot be blank');
      const name = String(form.get('name') ?? '').trim();
      if (!name) return sendError(reply, '701', 'name cannot be blank');
      const folder = jsonField<{ id?: number; type?: string }>(form.get('folder'));
      if (!folder || !store.folders.has(Number(folder.id)))
        return sendError(reply, '710', 'Parent folder not found');
      const existing = [...store.files.values()].find((f) => f.name === name);
      if (existing && form.get('insertOnly') === 'true')
        return sendError(reply, '709', `File '${name}' already exists`);
      const now = deps.clock.now().toISOString();
      const bytes = new Uint8Array(await file.arrayBuffer());
      const record: SandboxFile = existing
        ? Object.assign(existing, { bytes, mimeType: file.type || existing.mimeType, updatedAt: now })
        : {
            id: store.id(),
            name,
            description: String(form.get('description') ?? ''),
            folderId: Number(folder.id),
            mimeType: file.type || 'application/octet-stream',
            bytes,
            createdAt: now,
            updatedAt: now,
          };
      store.files.set(record.id, record);
      return sendResult(reply, [show(record)]);
    },
  );

  app.get(
    '/rest/asset/v1/files.json',
    { config: { operation: 'asset.files.list' } },
    async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const folder = jsonField<{ id?: number }>(q['folder']);
      const files = [...store.files.values()]
        .filter((f) => !folder || f.folderId === Number(folder.id))
        .sort((a, b) => a.id - b.id);
      return sendResult(reply, pageByOffset(files, q).map(show));
    },
  );

  app.get(
    '/rest/asset/v1/file/byName.json',
    { config: { operation: 'asset.file.byName' } },
    async (request, reply) => {
      const name = String((request.query as Record<string, unknown>)['name'] ?? '');
      const file = [...store.files.values()].find((f) => f.name === name);
      return sendResult(reply, file ? [show(file)] : []);
    },
  );

  app.get(`/rs/${MUNCHKIN}/images/:name`, async (request, reply) => {
    const name = (request.params as { name: string }).name;
    const file = [...store.files.values()].find((f) => f.name === name);
    if (!file) return reply.code(404).send();
    return reply.type(file.mimeType).send(Buffer.from(file.bytes));
  });

  app.get('/rest/v1/lists.json', { config: { operation: 'leads.lists.list' } }, async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const lists = [...store.lists.values()].sort((a, b) => a.id - b.id);
    const { items, next } = pageByToken(lists, q);
    return sendResult(
      reply,
      items.map((l) => ({
        id: l.id,
        name: l.name,
        description: l.description,
        createdAt: l.createdAt,
        updatedAt: l.createdAt,
      })),
      { warnings: [], ...(next ? { nextPageToken: next } : {}) },
    );
  });

  app.get(
    '/rest/v1/lists/:listId/leads.json',
    { config: { operation: 'leads.list.leads' } },
    async (request, reply) => {
      const list = store.lists.get(Number((request.params as { listId: string }).listId));
      if (!list) return sendError(reply, '1013', 'Static list not found');
      const q = request.query as Record<string, string | undefined>;
      const fields = (q['fields'] ?? 'email,updatedAt,createdAt,lastName,firstName')
        .split(',')
        .map((f) => f.trim());
      const leads = list.leadIds.map((id) => store.leads.get(id)).filter((l) => l !== undefined);
      const { items, next } = pageByToken(leads, q);
      const result = items.map((lead) => {
        const out: Record<string, unknown> = { id: lead.id };
        for (const f of fields) if (f in lead) out[f] = lead[f as keyof typeof lead];
        return out;
      });
      return sendResult(reply, result, {
        warnings: [],
        moreResult: next !== undefined,
        ...(next ? { nextPageToken: next } : {}),
      });
    },
  );
}

/** `batchSize` (default and max 300) with an opaque token holding the next offset. */
function pageByToken<T>(
  items: T[],
  q: Record<string, string | undefined>,
): { items: T[]; next: string | undefined } {
  const size = Math.min(300, Math.max(1, Number(q['batchSize'] ?? 300) || 300));
  const offset = q['nextPageToken']
    ? Number(Buffer.from(q['nextPageToken'], 'base64url').toString('utf8').split(':')[1]) || 0
    : 0;
  const page = items.slice(offset, offset + size);
  const nextOffset = offset + page.length;
  return {
    items: page,
    next:
      nextOffset < items.length
        ? Buffer.from(`offset:${nextOffset}`, 'utf8').toString('base64url')
        : undefined,
  };
}
