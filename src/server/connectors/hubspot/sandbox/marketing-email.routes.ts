/**
 * Marketing Emails v3 emulation (`/marketing/v3/emails`): create (as a draft), read, list with `after` paging,
 * `createdAfter`/`createdBefore` and `sort`, update, archive, publish and unpublish.
 */
import type { FastifyInstance } from 'fastify';
import type { HubSpotStore, MarketingEmail } from './hubspot-store.js';
import { decodeAfter, pageOf } from './hubspot-store.js';
import { sendNotFound, sendValidationError } from './hubspot-errors.js';
import { applyListFilters, asRecord, readLimit } from './query-filters.js';

export function registerMarketingEmailRoutes(app: FastifyInstance, store: HubSpotStore): void {
  const base = '/marketing/v3/emails';

  app.post(base, { config: { operation: 'marketing.emails.create' } }, async (request, reply) => {
    const body = asRecord(request.body);
    if (!body) return sendValidationError(reply, 'Request body must be a JSON object');
    const name = body['name'];
    if (typeof name !== 'string' || name.trim() === '')
      return sendValidationError(reply, 'name is required', 'name');
    const problem = checkEmailFields(body);
    if (problem) return sendValidationError(reply, problem.message, problem.field);
    const now = store.nowIso();
    const email: MarketingEmail = {
      id: store.newId(400_000_000_000),
      name,
      subject: typeof body['subject'] === 'string' ? body['subject'] : '',
      state: 'DRAFT',
      type: 'BATCH_EMAIL',
      subcategory: 'batch',
      isPublished: false,
      language: typeof body['language'] === 'string' ? body['language'] : 'en',
      content: asRecord(body['content']) ?? {},
      from: asRecord(body['from']) ?? {},
      to: asRecord(body['to']) ?? {},
      createdAt: now,
      updatedAt: now,
      archived: false,
    };
    store.emails.set(email.id, email);
    return reply.code(201).send(email);
  });

  app.get(base, { config: { operation: 'marketing.emails.list' } }, async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, string>;
    const offset = decodeAfter(query['after']);
    if (offset === undefined) return sendValidationError(reply, 'Invalid paging cursor', 'after');
    const archived = query['archived'] === 'true';
    const emails = [...store.emails.values()].filter((e) => e.archived === archived);
    const filtered = applyListFilters(emails as unknown as Record<string, unknown>[], query, 'createdAt');
    return pageOf(filtered, offset, readLimit(query, 10, 100), base);
  });

  app.get(`${base}/:emailId`, { config: { operation: 'marketing.emails.get' } }, async (request, reply) => {
    const { emailId } = request.params as { emailId: string };
    const email = store.emails.get(emailId);
    if (!email || (email.archived && (request.query as Record<string, string>)['archived'] !== 'true')) {
      return sendNotFound(reply, 'Marketing email', emailId);
    }
    return email;
  });

  app.patch(
    `${base}/:emailId`,
    { config: { operation: 'marketing.emails.update' } },
    async (request, reply) => {
      const { emailId } = request.params as { emailId: string };
      const email = store.emails.get(emailId);
      if (!email || email.archived) return sendNotFound(reply, 'Marketing email', emailId);
      const body = asRecord(request.body);
      if (!body) return sendValidationError(reply, 'Request body must be a JSON object');
      const problem = checkEmailFields(body);
      if (problem) return sendValidationError(reply, problem.message, problem.field);
      if (typeof body['name'] === 'string') email.name = body['name'];
      if (typeof body['subject'] === 'string') email.subject = body['subject'];
      if (typeof body['language'] === 'string') email.language = body['language'];
      const content = asRecord(body['content']);
      if (content) email.content = content;
      email.updatedAt = store.nowIso();
      return email;
    },
  );

  app.delete(
    `${base}/:emailId`,
    { config: { operation: 'marketing.emails.archive' } },
    async (request, reply) => {
      const { emailId } = request.params as { emailId: string };
      const email = store.emails.get(emailId);
      if (!email || email.archived) return sendNotFound(reply, 'Marketing email', emailId);
      email.archived = true;
      email.updatedAt = store.nowIso();
      return reply.code(204).send();
    },
  );

  for (const action of ['publish', 'unpublish'] as const) {
    app.post(
      `${base}/:emailId/${action}`,
      { config: { operation: `marketing.emails.${action}` } },
      async (request, reply) => {
        const { emailId } = request.params as { emailId: string };
        const email = store.emails.get(emailId);
        if (!email || email.archived) return sendNotFound(reply, 'Marketing email', emailId);
        if (action === 'publish' && email.subject.trim() === '') {
          return sendValidationError(reply, 'A marketing email needs a subject to be published', 'subject');
        }
        email.isPublished = action === 'publish';
        email.state = action === 'publish' ? 'PUBLISHED' : 'DRAFT';
        if (action === 'publish') email.publishDate = store.nowIso();
        email.updatedAt = store.nowIso();
        return reply.code(204).send();
      },
    );
  }
}

function checkEmailFields(body: Record<string, unknown>): { message: string; field: string } | undefined {
  for (const field of ['name', 'subject', 'language'] as const) {
    if (body[field] !== undefined && typeof body[field] !== 'string')
      return { message: `${field} must be a string`, field };
  }
  if (body['content'] !== undefined && !asRecord(body['content'])) {
    return { message: 'content must be an object', field: 'content' };
  }
  return undefined;
}
