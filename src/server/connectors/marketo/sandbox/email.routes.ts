/**
 * Asset API emails: `POST /rest/asset/v1/emails.json` (form: name, folder — a program —, template, subject,
 * fromName, fromEmail, replyEmail, description), `GET /rest/asset/v1/email/{id}.json`, `GET .../email/byName.json`,
 * `GET|POST .../email/{id}/content.json` (sections; header fields), `POST .../email/{id}/content/{htmlId}.json`
 * (a section's content), `POST .../email/{id}/approveDraft.json`, `POST .../email/{id}/unapprove.json`.
 * An email is created as a draft with its template's sections; approval publishes the draft.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../../platform/clock.js';
import type { MarketoStore, SandboxEmail, SandboxSection } from './marketo-store.js';
import { jsonField, sendError, sendResult } from './marketo-store.js';

export function registerEmailRoutes(
  app: FastifyInstance,
  deps: { store: MarketoStore; clock: Clock; baseUrl: () => string },
): void {
  const { store } = deps;
  const header = (value: string) => ({ type: 'Text', value });
  const show = (e: SandboxEmail) => ({
    id: e.id,
    name: e.name,
    description: e.description,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    url: `${deps.baseUrl()}/#EM${e.id}A1`,
    subject: header(e.subject),
    fromName: header(e.fromName),
    fromEmail: header(e.fromEmail),
    replyEmail: header(e.replyEmail),
    folder: { type: 'Program', value: e.programId, folderName: store.programs.get(e.programId)?.name ?? '' },
    operational: false,
    textOnly: false,
    publishToMSI: false,
    webView: false,
    status: e.approved ? 'approved' : 'draft',
    template: e.templateId,
    workspace: 'Default',
    version: 2,
    autoCopyToText: false,
    preHeader: null,
  });
  const emailOf = (params: unknown): SandboxEmail | undefined =>
    store.emails.get(Number((params as { id: string }).id));
  const touch = (e: SandboxEmail) => (e.updatedAt = deps.clock.now().toISOString());

  app.post(
    '/rest/asset/v1/emails.json',
    { config: { operation: 'asset.emails.create' } },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      for (const field of ['name', 'subject', 'fromName', 'fromEmail', 'replyEmail'] as const) {
        if (!body[field]?.trim()) return sendError(reply, '701', `${field} cannot be blank`);
      }
      const folder = jsonField<{ id?: number; type?: string }>(body['folder']);
      if (!folder || folder.type !== 'Program' || !store.programs.has(Number(folder.id))) {
        return sendError(reply, '710', 'Parent folder not found');
      }
      const template = store.templates.get(Number(body['template']));
      if (!template) return sendError(reply, '702', `Template '${body['template'] ?? ''}' not found`);
      const name = String(body['name']).trim();
      const programId = Number(folder.id);
      if ([...store.emails.values()].some((e) => e.programId === programId && e.name === name)) {
        return sendError(reply, '709', `Email with name '${name}' already exists in the folder`);
      }
      const now = deps.clock.now().toISOString();
      const email: SandboxEmail = {
        id: store.id(),
        name,
        description: body['description'] ?? '',
        programId,
        templateId: template.id,
        subject: String(body['subject']),
        fromName: String(body['fromName']),
        fromEmail: String(body['fromEmail']),
        replyEmail: String(body['replyEmail']),
        draft: template.sections.map((s) => ({ ...s })),
        approved: null,
        createdAt: now,
        updatedAt: now,
      };
      store.emails.set(email.id, email);
      return sendResult(reply, [show(email)]);
    },
  );

  app.get(
    '/rest/asset/v1/email/byName.json',
    { config: { operation: 'asset.email.byName' } },
    async (request, reply) => {
      const q = request.query as Record<string, string | undefined>;
      const folder = jsonField<{ id?: number; type?: string }>(q['folder']);
      const email = [...store.emails.values()].find(
        (e) =>
          e.name === q['name'] &&
          (!folder || (folder.type === 'Program' && e.programId === Number(folder.id))),
      );
      return sendResult(reply, email ? [show(email)] : []);
    },
  );

  app.get(
    '/rest/asset/v1/email/:id.json',
    { config: { operation: 'asset.email.get' } },
    async (request, reply) => {
      const email = emailOf(request.params);
      return email
        ? sendResult(reply, [show(email)])
        : sendError(reply, '702', 'No data found for given search scenario');
    },
  );

  app.get(
    '/rest/asset/v1/email/:id/content.json',
    { config: { operation: 'asset.email.content.get' } },
    async (request, reply) => {
      const email = emailOf(request.params);
      if (!email) return sendError(reply, '702', 'No data found for given search scenario');
      const sections = email.draft ?? email.approved ?? [];
      return sendResult(
        reply,
        sections.map((s, index) => ({
          htmlId: s.htmlId,
          contentType: s.contentType,
          value:
            s.contentType === 'Text'
              ? [
                  { type: 'HTML', value: s.value },
                  { type: 'Text', value: s.textValue ?? '' },
                ]
              : s.value,
          index,
          isLocked: false,
          parentHtmlId: null,
        })),
      );
    },
  );

  app.post(
    '/rest/asset/v1/email/:id/content.json',
    { config: { operation: 'asset.email.header.update' } },
    async (request, reply) => {
      const email = emailOf(request.params);
      if (!email) return sendError(reply, '702', 'No data found for given search scenario');
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      for (const key of ['subject', 'fromName', 'fromEmail'] as const) {
        const field = jsonField<{ value?: string }>(body[key]);
        if (field?.value) email[key] = field.value;
      }
      const reply2 = jsonField<{ value?: string }>(body['replyTO']);
      if (reply2?.value) email.replyEmail = reply2.value;
      email.draft ??= (email.approved ?? []).map((s) => ({ ...s }));
      touch(email);
      return sendResult(reply, [{ id: email.id }]);
    },
  );

  app.post(
    '/rest/asset/v1/email/:id/content/:htmlId.json',
    { config: { operation: 'asset.email.section.update' } },
    async (request, reply) => {
      const email = emailOf(request.params);
      if (!email) return sendError(reply, '702', 'No data found for given search scenario');
      const htmlId = (request.params as { htmlId: string }).htmlId;
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      if (body['type'] !== 'Text' && body['type'] !== 'Snippet' && body['type'] !== 'DynamicContent') {
        return sendError(reply, '1003', `Invalid type '${body['type'] ?? ''}'`);
      }
      if (body['value'] === undefined) return sendError(reply, '701', 'value cannot be blank');
      const draft: SandboxSection[] = email.draft ?? (email.approved ?? []).map((s) => ({ ...s }));
      const section = draft.find((s) => s.htmlId === htmlId);
      if (!section) return sendError(reply, '702', `Section '${htmlId}' not found`);
      section.value = body['value'];
      if (body['textValue'] !== undefined) section.textValue = body['textValue'];
      email.draft = draft;
      touch(email);
      return sendResult(reply, [{ id: email.id }]);
    },
  );

  app.post(
    '/rest/asset/v1/email/:id/approveDraft.json',
    { config: { operation: 'asset.email.approve' } },
    async (request, reply) => {
      const email = emailOf(request.params);
      if (!email) return sendError(reply, '702', 'No data found for given search scenario');
      if (!email.draft) return sendError(reply, '709', 'Email has no draft to approve');
      email.approved = email.draft;
      email.draft = null;
      touch(email);
      return sendResult(reply, [{ id: email.id }]);
    },
  );

  app.post(
    '/rest/asset/v1/email/:id/unapprove.json',
    { config: { operation: 'asset.email.unapprove' } },
    async (request, reply) => {
      const email = emailOf(request.params);
      if (!email) return sendError(reply, '702', 'No data found for given search scenario');
      if (!email.approved) return sendError(reply, '709', 'Email is not approved');
      email.draft ??= email.approved;
      email.approved = null;
      touch(email);
      return sendResult(reply, [{ id: email.id }]);
    },
  );
}
