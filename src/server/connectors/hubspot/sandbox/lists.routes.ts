/**
 * Lists v3 and contacts emulation: `POST /crm/v3/lists/search` (offset paging: `count`, `offset`, `hasMore`),
 * `GET /crm/v3/lists/{listId}`, `GET /crm/v3/lists/{listId}/memberships` (`after` paging, `recordId`s),
 * `POST /crm/v3/objects/contacts/batch/read` (≤ 100 ids) and `GET /crm/v3/objects/contacts` (`after` paging).
 */
import type { FastifyInstance } from 'fastify';
import type { Contact, ContactList, HubSpotStore } from './hubspot-store.js';
import { decodeAfter, pageOf } from './hubspot-store.js';
import { sendNotFound, sendValidationError } from './hubspot-errors.js';
import { asRecord, readLimit } from './query-filters.js';

export function registerListRoutes(app: FastifyInstance, store: HubSpotStore): void {
  app.post('/crm/v3/lists/search', { config: { operation: 'crm.lists.search' } }, async (request, reply) => {
    const body = asRecord(request.body) ?? {};
    const count = body['count'] ?? 20;
    const offset = body['offset'] ?? 0;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 500) {
      return sendValidationError(reply, 'count must be an integer between 1 and 500', 'count');
    }
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
      return sendValidationError(reply, 'offset must be a non-negative integer', 'offset');
    }
    const q = typeof body['query'] === 'string' ? body['query'].toLowerCase() : '';
    const types = Array.isArray(body['processingTypes']) ? body['processingTypes'].map(String) : undefined;
    const all = [...store.lists.values()].filter(
      (l) => l.name.toLowerCase().includes(q) && (!types || types.includes(l.processingType)),
    );
    const lists = all.slice(offset, offset + count).map(presentList);
    return { lists, hasMore: offset + count < all.length, offset: offset + lists.length, total: all.length };
  });

  app.get('/crm/v3/lists/:listId', { config: { operation: 'crm.lists.get' } }, async (request, reply) => {
    const { listId } = request.params as { listId: string };
    const list = store.lists.get(listId);
    if (!list) return sendNotFound(reply, 'List', listId);
    return { list: presentList(list) };
  });

  app.get(
    '/crm/v3/lists/:listId/memberships',
    { config: { operation: 'crm.lists.memberships' } },
    async (request, reply) => {
      const { listId } = request.params as { listId: string };
      const list = store.lists.get(listId);
      if (!list) return sendNotFound(reply, 'List', listId);
      const query = (request.query ?? {}) as Record<string, string>;
      const offset = decodeAfter(query['after']);
      if (offset === undefined) return sendValidationError(reply, 'Invalid paging cursor', 'after');
      const members = list.memberIds.map((recordId) => ({ recordId, membershipTimestamp: list.updatedAt }));
      return pageOf(members, offset, readLimit(query, 100, 250), `/crm/v3/lists/${listId}/memberships`);
    },
  );

  app.post(
    '/crm/v3/objects/contacts/batch/read',
    { config: { operation: 'crm.contacts.batchRead' } },
    async (request, reply) => {
      const body = asRecord(request.body);
      const inputs = body?.['inputs'];
      if (!Array.isArray(inputs)) return sendValidationError(reply, 'inputs is required', 'inputs');
      if (inputs.length > 100) return sendValidationError(reply, 'At most 100 inputs per batch', 'inputs');
      const properties = Array.isArray(body?.['properties'])
        ? (body['properties'] as unknown[]).map(String)
        : [];
      const startedAt = store.nowIso();
      const results = inputs
        .map((i) => store.contacts.get(String(asRecord(i)?.['id'] ?? '')))
        .filter((c): c is Contact => c !== undefined && !c.archived)
        .map((c) => presentContact(c, properties));
      return { status: 'COMPLETE', results, startedAt, completedAt: store.nowIso() };
    },
  );

  app.get(
    '/crm/v3/objects/contacts',
    { config: { operation: 'crm.contacts.list' } },
    async (request, reply) => {
      const query = (request.query ?? {}) as Record<string, string>;
      const offset = decodeAfter(query['after']);
      if (offset === undefined) return sendValidationError(reply, 'Invalid paging cursor', 'after');
      const properties = (query['properties'] ?? '').split(',').filter(Boolean);
      const contacts = [...store.contacts.values()]
        .filter((c) => !c.archived)
        .map((c) => presentContact(c, properties));
      const page = pageOf(contacts, offset, readLimit(query, 10, 100), '/crm/v3/objects/contacts');
      // The CRM objects API has no `total` in list responses.
      const { total: _total, ...rest } = page;
      return rest;
    },
  );
}

function presentList(list: ContactList): Record<string, unknown> {
  const { memberIds, ...rest } = list;
  return {
    ...rest,
    size: memberIds.length,
    additionalProperties: { hs_list_size: String(memberIds.length) },
  };
}

/** Default properties (email, firstname, lastname) plus the requested ones, as the CRM API returns them. */
function presentContact(contact: Contact, properties: readonly string[]): Record<string, unknown> {
  const wanted = new Set(['email', 'firstname', 'lastname', ...properties]);
  const props: Record<string, string | null> = { hs_object_id: contact.id };
  for (const key of wanted) props[key] = contact.properties[key] ?? null;
  return {
    id: contact.id,
    properties: props,
    createdAt: contact.createdAt,
    updatedAt: contact.updatedAt,
    archived: false,
  };
}
