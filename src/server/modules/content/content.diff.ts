/**
 * Content hashes (what approvals are pinned to) and version diffs. The hash covers everything a reviewer reads —
 * title, body, body format and fields — in canonical JSON, so key order or whitespace in `fields` never voids an
 * approval, while any visible change does.
 */
import { createHash } from 'node:crypto';
import { createTwoFilesPatch, diffLines } from 'diff';
import { canonicalJson } from '../../platform/audit/index.js';
import type { ContentVersion } from './content.repo.js';

export interface HashedContent {
  title: string;
  body: string;
  bodyFormat: string;
  fields: Record<string, unknown>;
}

export function computeContentHash(c: HashedContent): string {
  const canonical = canonicalJson({
    title: c.title,
    body: c.body,
    bodyFormat: c.bodyFormat,
    fields: c.fields,
  });
  return 'sha256:' + createHash('sha256').update(canonical).digest('hex');
}

export interface PartDiff {
  changed: boolean;
  added: number;
  removed: number;
  /** Unified diff (`diff` library), empty when unchanged. */
  patch: string;
}

export interface VersionDiff {
  from: number;
  to: number;
  title: { changed: boolean; from: string; to: string };
  bodyFormat: { changed: boolean; from: string; to: string };
  body: PartDiff;
  fields: PartDiff;
}

/** Fields as stable, line-oriented text so a line diff shows which keys changed. */
function formatFields(fields: Record<string, unknown>): string {
  return JSON.stringify(JSON.parse(canonicalJson(fields)), null, 2) + '\n';
}

function diffText(name: string, from: number, to: number, a: string, b: string): PartDiff {
  if (a === b) return { changed: false, added: 0, removed: 0, patch: '' };
  let added = 0;
  let removed = 0;
  for (const part of diffLines(a, b)) {
    if (part.added) added += part.count ?? 0;
    if (part.removed) removed += part.count ?? 0;
  }
  const patch = createTwoFilesPatch(`${name}@v${from}`, `${name}@v${to}`, a, b, undefined, undefined, {
    context: 3,
  });
  return { changed: true, added, removed, patch };
}

export function diffVersions(a: ContentVersion, b: ContentVersion): VersionDiff {
  return {
    from: a.version,
    to: b.version,
    title: { changed: a.title !== b.title, from: a.title, to: b.title },
    bodyFormat: { changed: a.bodyFormat !== b.bodyFormat, from: a.bodyFormat, to: b.bodyFormat },
    body: diffText('body', a.version, b.version, a.body, b.body),
    fields: diffText('fields', a.version, b.version, formatFields(a.fields), formatFields(b.fields)),
  };
}
