/**
 * The Marketo client for one connection. Every effect "ensures" its objects (looks them up by their deterministic
 * name before creating them) so a retried delivery finishes the work of an earlier attempt instead of duplicating it;
 * the delivery's idempotency marker is written into each created object's description for reconciliation.
 *
 * - createCampaign: a program in `programFolderId`, channel from tags/type (`channelMap`), costs from `fields.cost`;
 * - publishContent (emails): images uploaded first, then the content's program ensured, an email created from
 *   `emailTemplateId` in it, its editable section set to the rendered body, and the draft approved;
 * - unpublishContent: the email unapproved (back to draft);
 * - uploadAsset: a Design Studio file (type from magic bytes, size checked before any call);
 * - listContacts: static lists, or the leads of one list, paged with `nextPageToken`.
 */
import { ConnectorError } from '../sdk/connector-error.js';
import type {
  AssetPayload,
  ConnectorClient,
  ConnectorContext,
  ContentPayload,
  ExternalRef,
} from '../sdk/connector.js';
import { checkMarketoFile } from './assets.js';
import { marketoConfigSchema } from './manifest.js';
import type { MarketoConfig, MarketoProgramType } from './manifest.js';
import { createMarketoApi, createdOf, firstOf } from './marketo-api.js';
import type {
  MarketoChannel,
  MarketoEmail,
  MarketoEmailSection,
  MarketoFile,
  MarketoLead,
  MarketoList,
  MarketoProgram,
} from './marketo-api.js';
import {
  chooseChannel,
  describeWithMarker,
  emailNameFor,
  fileNameFor,
  mapCosts,
  programNameFor,
  renderHtml,
  renderText,
  rewriteAssetUrls,
} from './mapping.js';
import { findMarketoEffect } from './reconcile.js';

/** Which channels fit which program type (`applicableProgramType` of a channel). */
const CHANNEL_PROGRAM_TYPE: Record<MarketoProgramType, string> = {
  Default: 'program',
  Event: 'event',
  'Event with Webinar': 'event',
  Engagement: 'nurture',
  Email: 'email',
};

const LEAD_FIELDS = 'email,firstName,lastName,updatedAt';
const MAX_BATCH = 300;

export function createMarketoClient(ctx: ConnectorContext): ConnectorClient {
  const api = createMarketoApi(ctx);
  let channels: Promise<MarketoChannel[]> | undefined;

  const config = (): MarketoConfig => {
    const parsed = marketoConfigSchema.safeParse(ctx.connection.config);
    if (!parsed.success) {
      throw invalid(
        `Marketo connection config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  };

  const loadChannels = (): Promise<MarketoChannel[]> => {
    channels ??= api
      .get<MarketoChannel>('/rest/asset/v1/channels.json', { maxReturn: 200 }, 'asset.channels.list')
      .then(
        (p) => p.result,
        (e: unknown) => {
          channels = undefined;
          throw e;
        },
      );
    return channels;
  };

  /** Creates a program after checking channel and costs locally, so bad input fails before any effect. */
  const createProgram = async (
    name: string,
    description: string,
    content: ContentPayload,
    cfg: MarketoConfig,
  ): Promise<MarketoProgram> => {
    const channelName = chooseChannel(content, cfg);
    if (!channelName) {
      throw invalid(
        `no Marketo channel for tags [${content.tags.join(', ')}] or type ${content.type}: set channelMap or defaultChannel`,
      );
    }
    const channel = (await loadChannels()).find((c) => c.name === channelName);
    if (!channel) throw invalid(`Marketo has no channel named "${channelName}"`);
    const wanted = CHANNEL_PROGRAM_TYPE[cfg.defaultProgramType];
    if (channel.applicableProgramType !== wanted) {
      throw invalid(
        `channel "${channelName}" is for ${channel.applicableProgramType} programs, not ${cfg.defaultProgramType}`,
      );
    }
    let costs;
    try {
      costs = mapCosts(content.fields, ctx.clock.now());
    } catch (e) {
      throw invalid((e as Error).message);
    }
    const page = await api.postForm<MarketoProgram>(
      '/rest/asset/v1/programs.json',
      {
        name,
        folder: { id: cfg.programFolderId, type: 'Folder' },
        type: cfg.defaultProgramType,
        channel: channelName,
        description,
        ...(costs.length > 0 ? { costs } : {}),
      },
      'asset.programs.create',
    );
    return createdOf(page, 'asset.programs.create');
  };

  const findProgramByName = async (name: string): Promise<MarketoProgram | undefined> =>
    firstOf(
      await api.get<MarketoProgram>('/rest/asset/v1/program/byName.json', { name }, 'asset.program.byName'),
    );

  /** The file for these bytes, uploaded unless a file with its content-derived name exists already. */
  const ensureFile = async (
    asset: AssetPayload,
    marker: string,
    cfg: MarketoConfig,
  ): Promise<MarketoFile> => {
    const checked = await checkMarketoFile(asset.fileName, asset.bytes);
    const name = fileNameFor(asset.fileName, asset.bytes);
    const existing = firstOf(
      await api.get<MarketoFile>('/rest/asset/v1/file/byName.json', { name }, 'asset.file.byName'),
    );
    if (existing) return existing;
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(asset.bytes)], { type: checked.mime }), name);
    form.set('name', name);
    form.set('folder', JSON.stringify({ id: cfg.fileFolderId ?? cfg.programFolderId, type: 'Folder' }));
    form.set('description', describeWithMarker(asset.altText, marker));
    form.set('insertOnly', 'true');
    return createdOf(
      await api.postMultipart<MarketoFile>('/rest/asset/v1/files.json', form, 'asset.files.create'),
      'asset.files.create',
    );
  };

  const ensureEmail = async (
    content: ContentPayload,
    programId: number,
    marker: string,
    cfg: MarketoConfig,
  ): Promise<MarketoEmail> => {
    const name = emailNameFor(content);
    const folder = { id: programId, type: 'Program' as const };
    const existing = firstOf(
      await api.get<MarketoEmail>(
        '/rest/asset/v1/email/byName.json',
        { name, folder: JSON.stringify(folder) },
        'asset.email.byName',
      ),
    );
    if (existing) return existing;
    const text = (key: string): string | undefined => {
      const v = content.fields[key];
      return typeof v === 'string' && v.trim() ? v : undefined;
    };
    const fromEmail = text('fromEmail') ?? cfg.fromEmail;
    const page = await api.postForm<MarketoEmail>(
      '/rest/asset/v1/emails.json',
      {
        name,
        folder,
        template: cfg.emailTemplateId,
        subject: text('subject') ?? content.title,
        fromName: text('fromName') ?? cfg.fromName,
        fromEmail,
        replyEmail: text('replyEmail') ?? cfg.replyEmail ?? fromEmail,
        description: describeWithMarker(`Switchboard ${content.contentId} v${content.version}`, marker),
      },
      'asset.emails.create',
    );
    return createdOf(page, 'asset.emails.create');
  };

  return {
    async testConnection() {
      const page = await api.get<MarketoChannel>(
        '/rest/asset/v1/channels.json',
        { maxReturn: 200 },
        'asset.channels.list',
      );
      return {
        ok: true,
        account: new URL(ctx.connection.baseUrl).host,
        details: { channels: page.result.length, sandbox: ctx.connection.sandbox },
      };
    },

    async createCampaign(input) {
      const cfg = config();
      const description = describeWithMarker(
        input.description ?? input.content.title,
        input.idempotencyMarker,
      );
      const program = await createProgram(input.name, description, input.content, cfg);
      return toRef(program.id, program.url, {
        name: program.name,
        channel: program.channel,
        type: program.type,
      });
    },

    async publishContent(input) {
      const { content, idempotencyMarker: marker } = input;
      if (content.type !== 'email') {
        throw invalid(`Marketo publishes emails; a ${content.type} becomes a program through createCampaign`);
      }
      const cfg = config();
      let html: string;
      try {
        html = renderHtml(content);
      } catch (e) {
        throw invalid((e as Error).message);
      }
      const urls = new Map<string, string>();
      for (const asset of content.assets) urls.set(asset.ref, (await ensureFile(asset, marker, cfg)).url);
      html = rewriteAssetUrls(html, urls);

      const programId = await resolveProgramId(content, async () => {
        const name = programNameFor(content);
        return (
          (await findProgramByName(name)) ??
          (await createProgram(name, describeWithMarker(content.title, marker), content, cfg))
        );
      });
      const email = await ensureEmail(content, programId, marker, cfg);
      const sections = await api.get<MarketoEmailSection>(
        `/rest/asset/v1/email/${email.id}/content.json`,
        {},
        'asset.email.content.get',
      );
      const section = cfg.emailSectionId
        ? sections.result.find((s) => s.htmlId === cfg.emailSectionId)
        : sections.result.find((s) => s.contentType === 'Text');
      if (!section)
        throw invalid(
          `email template ${cfg.emailTemplateId} has no editable text section ${cfg.emailSectionId ?? ''}`.trim(),
        );
      await api.postForm(
        `/rest/asset/v1/email/${email.id}/content/${encodeURIComponent(section.htmlId)}.json`,
        { type: 'Text', value: html, textValue: renderText(html) },
        'asset.email.section.update',
      );
      await api.postForm(`/rest/asset/v1/email/${email.id}/approveDraft.json`, {}, 'asset.email.approve');
      return toRef(email.id, email.url, {
        programId,
        name: email.name,
        section: section.htmlId,
        assets: urls.size,
      });
    },

    async unpublishContent(input) {
      const email = firstOf(
        await api.get<MarketoEmail>(
          `/rest/asset/v1/email/${Number(input.externalId)}.json`,
          {},
          'asset.email.get',
        ),
      );
      if (!email)
        throw new ConnectorError({
          kind: 'not_found',
          message: `Marketo email ${input.externalId} not found`,
        });
      // Already a draft: nothing to undo (a retry after a lost response lands here).
      if (email.status === 'approved') {
        await api.postForm(`/rest/asset/v1/email/${email.id}/unapprove.json`, {}, 'asset.email.unapprove');
      }
      return toRef(email.id, email.url, { status: 'draft' });
    },

    async uploadAsset(input) {
      const file = await ensureFile(input.asset, input.idempotencyMarker, config());
      return toRef(file.id, file.url, { name: file.name, mimeType: file.mimeType, size: file.size });
    },

    async listContacts(input) {
      const batchSize = Math.min(Math.max(1, input.limit ?? MAX_BATCH), MAX_BATCH);
      const paging = { batchSize, nextPageToken: input.cursor };
      if (input.listId === undefined) {
        const page = await api.get<MarketoList>('/rest/v1/lists.json', paging, 'leads.lists.list');
        return {
          contacts: [],
          lists: page.result.map((l) => ({ externalId: String(l.id), name: l.name })),
          ...cursorOf(page.result.length, page.nextPageToken),
        };
      }
      const page = await api.get<MarketoLead>(
        `/rest/v1/lists/${encodeURIComponent(input.listId)}/leads.json`,
        { ...paging, fields: LEAD_FIELDS },
        'leads.list.leads',
      );
      return {
        contacts: page.result.map(({ id, email, ...fields }) => ({
          externalId: String(id),
          ...(typeof email === 'string' ? { email } : {}),
          fields,
        })),
        ...cursorOf(page.result.length, page.nextPageToken),
      };
    },

    findByIdempotencyMarker: (input) => findMarketoEffect(api, input, config),
  };
}

/** The program an email goes in: `fields.marketoProgramId` when the content names one, else the content's own. */
async function resolveProgramId(
  content: ContentPayload,
  ensure: () => Promise<MarketoProgram>,
): Promise<number> {
  const named = Number(content.fields['marketoProgramId']);
  if (Number.isInteger(named) && named > 0) return named;
  return (await ensure()).id;
}

function cursorOf(count: number, token: string | undefined): { nextCursor?: string } {
  return count > 0 && token ? { nextCursor: token } : {};
}

function toRef(id: number, url: string | undefined, summary: Record<string, unknown>): ExternalRef {
  return { externalId: String(id), ...(url ? { url } : {}), summary };
}

export function invalid(message: string): ConnectorError {
  return new ConnectorError({ kind: 'invalid_request', message });
}
