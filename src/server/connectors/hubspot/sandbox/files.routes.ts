/**
 * Files v3 emulation: `POST /files/v3/files` (multipart: `file`, `fileName`, `folderPath` | `folderId`, `options` JSON
 * with the required `access` and optional `duplicateValidationStrategy` NONE | REJECT | RETURN_EXISTING), `GET
 * /files/v3/files/{fileId}`, `GET /files/v3/files/search`, `DELETE /files/v3/files/{fileId}`, and public hosting of
 * uploaded bytes at `/hubfs/<portalId>/<path>`.
 */
import type { FastifyInstance } from 'fastify';
import { parseMultipart } from '../../sandbox-kit/index.js';
import type { HubSpotFile, HubSpotStore } from './hubspot-store.js';
import { decodeAfter, md5Hex, pageOf } from './hubspot-store.js';
import { sendHubSpotError, sendNotFound, sendValidationError } from './hubspot-errors.js';
import { applyListFilters, readLimit } from './query-filters.js';

export const FILE_ACCESS_LEVELS = [
  'PUBLIC_INDEXABLE',
  'PUBLIC_NOT_INDEXABLE',
  'HIDDEN_INDEXABLE',
  'HIDDEN_NOT_INDEXABLE',
  'HIDDEN_PRIVATE',
  'PRIVATE',
] as const;

const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'svg', 'avif', 'bmp', 'ico']);

export function registerFileRoutes(app: FastifyInstance, store: HubSpotStore, baseUrl: () => string): void {
  app.post('/files/v3/files', { config: { operation: 'files.upload' } }, async (request, reply) => {
    let form: FormData;
    try {
      form = await parseMultipart(request);
    } catch {
      return sendValidationError(reply, 'Expected a multipart/form-data body');
    }
    const file = form.get('file');
    if (!(file instanceof Blob)) return sendValidationError(reply, 'file is required', 'file');
    let options: Record<string, unknown>;
    try {
      options = JSON.parse(String(form.get('options') ?? '')) as Record<string, unknown>;
    } catch {
      return sendValidationError(reply, 'options must be a JSON object with an access level', 'options');
    }
    const access = options['access'];
    if (typeof access !== 'string' || !(FILE_ACCESS_LEVELS as readonly string[]).includes(access)) {
      return sendValidationError(
        reply,
        `options.access must be one of ${FILE_ACCESS_LEVELS.join(', ')}`,
        'options',
      );
    }
    const folderPath = form.get('folderPath');
    const folderId = form.get('folderId');
    if ((folderPath === null) === (folderId === null)) {
      return sendValidationError(reply, 'Provide exactly one of folderPath or folderId', 'folderPath');
    }
    const folder = folderPath !== null ? normaliseFolder(String(folderPath)) : `/folder-${String(folderId)}`;
    const rawName = String(form.get('fileName') ?? (file instanceof File ? file.name : '') ?? '');
    if (rawName.trim() === '') return sendValidationError(reply, 'fileName is required', 'fileName');
    const bytes = new Uint8Array(await file.arrayBuffer());
    const md5 = md5Hex(bytes);
    const strategy = options['duplicateValidationStrategy'] ?? 'NONE';
    if (strategy !== 'NONE') {
      const scope = options['duplicateValidationScope'] ?? 'ENTIRE_PORTAL';
      const existing = [...store.files.values()].find(
        (f) =>
          !f.archived && f.fileMd5 === md5 && (scope !== 'EXACT_FOLDER' || f.path.startsWith(`${folder}/`)),
      );
      if (existing && strategy === 'RETURN_EXISTING') return reply.code(200).send(present(existing));
      if (existing && strategy === 'REJECT') {
        return sendHubSpotError(reply, 409, 'CONFLICT', `Duplicate of file ${existing.id}`);
      }
    }
    const dot = rawName.lastIndexOf('.');
    const extension = dot > 0 ? rawName.slice(dot + 1).toLowerCase() : '';
    const name = dot > 0 ? rawName.slice(0, dot) : rawName;
    const path = `${folder}/${rawName}`;
    const now = store.nowIso();
    const url = `${baseUrl()}/hubfs/${store.portalId}${path}`;
    const stored: HubSpotFile = {
      id: store.newId(500_000_000_000),
      name,
      extension,
      type: IMAGE_EXTENSIONS.has(extension) ? 'IMG' : extension === 'pdf' ? 'DOCUMENT' : 'OTHER',
      size: bytes.byteLength,
      fileMd5: md5,
      path,
      parentFolderId: folderId !== null ? String(folderId) : String(Math.abs(hashCode(folder))),
      access,
      url,
      defaultHostingUrl: url,
      isUsableInContent: true,
      createdAt: now,
      updatedAt: now,
      archived: false,
      bytes,
      contentType: file.type || 'application/octet-stream',
    };
    store.files.set(stored.id, stored);
    return reply.code(201).send(present(stored));
  });

  app.get('/files/v3/files/search', { config: { operation: 'files.search' } }, async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, string>;
    const offset = decodeAfter(query['after']);
    if (offset === undefined) return sendValidationError(reply, 'Invalid paging cursor', 'after');
    const files = [...store.files.values()].filter((f) => !f.archived).map(present);
    // Search parameters are plain equality filters on the file's properties (`name`, `extension`, `path`…).
    const filtered = applyListFilters(files, query, 'createdAt');
    return pageOf(filtered, offset, readLimit(query, 10, 100), '/files/v3/files/search');
  });

  app.get('/files/v3/files/:fileId', { config: { operation: 'files.get' } }, async (request, reply) => {
    const { fileId } = request.params as { fileId: string };
    const file = store.files.get(fileId);
    if (!file || file.archived) return sendNotFound(reply, 'File', fileId);
    return present(file);
  });

  app.delete(
    '/files/v3/files/:fileId',
    { config: { operation: 'files.archive' } },
    async (request, reply) => {
      const { fileId } = request.params as { fileId: string };
      const file = store.files.get(fileId);
      if (!file || file.archived) return sendNotFound(reply, 'File', fileId);
      file.archived = true;
      return reply.code(204).send();
    },
  );

  app.get('/hubfs/*', { config: { operation: 'files.serve' } }, async (request, reply) => {
    const path = decodeURIComponent(request.url.split('?')[0] ?? '').replace(`/hubfs/${store.portalId}`, '');
    const file = [...store.files.values()].find((f) => f.path === path && !f.archived);
    if (!file?.bytes) return reply.code(404).send('Not found');
    return reply.type(file.contentType ?? 'application/octet-stream').send(Buffer.from(file.bytes));
  });
}

/** The API shape: everything but the stored bytes. */
function present(file: HubSpotFile): Record<string, unknown> {
  const { bytes: _bytes, contentType: _contentType, ...rest } = file;
  return rest;
}

function normaliseFolder(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function hashCode(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i += 1) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
  return h;
}
