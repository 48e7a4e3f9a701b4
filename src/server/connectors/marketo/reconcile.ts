/**
 * `findByIdempotencyMarker` for Marketo: the marker lives in the description of the object an effect created
 * (`switchboard:<marker>` line, see mapping.ts). Lookups go from cheapest to broadest:
 * - createCampaign: programs by the names the content suggests (title, the content's program name), then a browse of
 *   all programs (offset paging) scanning descriptions;
 * - publishContent: the content's program, then its email by name; found only once approved (an email left in draft
 *   by an interrupted attempt is "not done": the retried publish reuses it and finishes);
 * - uploadAsset: a browse of the upload folder's files scanning descriptions;
 * - unpublishContent leaves no marker; it is idempotent and simply retried.
 */
import type { ConnectorClient, ExternalRef } from '../sdk/connector.js';
import type { MarketoConfig } from './manifest.js';
import { firstOf } from './marketo-api.js';
import type { MarketoApi, MarketoEmail, MarketoFile, MarketoProgram } from './marketo-api.js';
import { emailNameFor, hasMarker, programNameFor } from './mapping.js';

type FindInput = Parameters<NonNullable<ConnectorClient['findByIdempotencyMarker']>>[0];

/** Browse pages scanned at most (200 each). */
const MAX_BROWSE_PAGES = 25;
const BROWSE_SIZE = 200;

export async function findMarketoEffect(
  api: MarketoApi,
  input: FindInput,
  config: () => MarketoConfig,
): Promise<ExternalRef | null> {
  const { marker, content } = input;
  switch (input.action) {
    case 'createCampaign': {
      const names = content ? [...new Set([content.title, programNameFor(content)])] : [];
      for (const name of names) {
        const program = firstOf(
          await api.get<MarketoProgram>(
            '/rest/asset/v1/program/byName.json',
            { name },
            'asset.program.byName',
          ),
        );
        if (program && hasMarker(program.description, marker)) return programRef(program);
      }
      const found = await browse<MarketoProgram>(
        api,
        '/rest/asset/v1/programs.json',
        {},
        'asset.programs.browse',
        (p) => hasMarker(p.description, marker),
      );
      return found ? programRef(found) : null;
    }
    case 'publishContent': {
      if (!content) return null;
      const named = Number(content.fields['marketoProgramId']);
      const programId =
        Number.isInteger(named) && named > 0
          ? named
          : firstOf(
              await api.get<MarketoProgram>(
                '/rest/asset/v1/program/byName.json',
                { name: programNameFor(content) },
                'asset.program.byName',
              ),
            )?.id;
      if (programId === undefined) return null;
      const email = firstOf(
        await api.get<MarketoEmail>(
          '/rest/asset/v1/email/byName.json',
          { name: emailNameFor(content), folder: JSON.stringify({ id: programId, type: 'Program' }) },
          'asset.email.byName',
        ),
      );
      if (!email || !hasMarker(email.description, marker) || email.status !== 'approved') return null;
      return {
        externalId: String(email.id),
        ...(email.url ? { url: email.url } : {}),
        summary: { programId },
      };
    }
    case 'uploadAsset': {
      const cfg = config();
      const folder = JSON.stringify({ id: cfg.fileFolderId ?? cfg.programFolderId, type: 'Folder' });
      const file = await browse<MarketoFile>(
        api,
        '/rest/asset/v1/files.json',
        { folder },
        'asset.files.list',
        (f) => hasMarker(f.description, marker),
      );
      return file ? { externalId: String(file.id), url: file.url, summary: { name: file.name } } : null;
    }
    case 'unpublishContent':
      return null;
  }
}

async function browse<T>(
  api: MarketoApi,
  path: string,
  query: Record<string, string>,
  operation: string,
  match: (item: T) => boolean,
): Promise<T | undefined> {
  for (let page = 0; page < MAX_BROWSE_PAGES; page += 1) {
    const { result } = await api.get<T>(
      path,
      { ...query, offset: page * BROWSE_SIZE, maxReturn: BROWSE_SIZE },
      operation,
    );
    const hit = result.find(match);
    if (hit) return hit;
    if (result.length < BROWSE_SIZE) return undefined;
  }
  return undefined;
}

function programRef(p: MarketoProgram): ExternalRef {
  return {
    externalId: String(p.id),
    ...(p.url ? { url: p.url } : {}),
    summary: { name: p.name, channel: p.channel },
  };
}
