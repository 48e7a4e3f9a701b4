/**
 * The Marketo sandbox's state: access tokens, folders, channels, email templates, programs, emails, files, static
 * lists and leads, with Marketo's response envelope. Seeded with a small, realistic instance (see `seedMarketo`).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

export interface SandboxFolder {
  id: number;
  name: string;
  folderType: 'Marketing Folder' | 'Image' | 'Email Template';
  parentId: number | null;
}
export interface SandboxChannel {
  id: number;
  name: string;
  applicableProgramType: 'program' | 'event' | 'nurture' | 'email';
}
export interface SandboxSection {
  htmlId: string;
  contentType: 'Text' | 'Image' | 'Snippet';
  value: string;
  textValue?: string;
}
export interface SandboxTemplate {
  id: number;
  name: string;
  folderId: number;
  sections: SandboxSection[];
}
export interface SandboxProgram {
  id: number;
  name: string;
  description: string;
  type: string;
  channel: string;
  folderId: number;
  costs: { startDate: string; cost: number; note?: string }[];
  createdAt: string;
  updatedAt: string;
}
export interface SandboxEmail {
  id: number;
  name: string;
  description: string;
  programId: number;
  templateId: number;
  subject: string;
  fromName: string;
  fromEmail: string;
  replyEmail: string;
  /** The working copy; `approved` is what is live. */
  draft: SandboxSection[] | null;
  approved: SandboxSection[] | null;
  createdAt: string;
  updatedAt: string;
}
export interface SandboxFile {
  id: number;
  name: string;
  description: string;
  folderId: number;
  mimeType: string;
  bytes: Uint8Array;
  createdAt: string;
  updatedAt: string;
}
export interface SandboxList {
  id: number;
  name: string;
  description: string;
  leadIds: number[];
  createdAt: string;
}
export interface SandboxLead {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  updatedAt: string;
  createdAt: string;
}

export class MarketoStore {
  readonly tokens = new Map<string, { clientId: string; expiresAtMs: number }>();
  readonly folders = new Map<number, SandboxFolder>();
  readonly channels: SandboxChannel[] = [];
  readonly templates = new Map<number, SandboxTemplate>();
  readonly programs = new Map<number, SandboxProgram>();
  readonly emails = new Map<number, SandboxEmail>();
  readonly files = new Map<number, SandboxFile>();
  readonly lists = new Map<number, SandboxList>();
  readonly leads = new Map<number, SandboxLead>();
  private nextId = 1000;

  id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  issueToken(clientId: string, ttlMs: number, nowMs: number): string {
    const token = `${randomBytes(16).toString('hex')}:ab`;
    this.tokens.set(token, { clientId, expiresAtMs: nowMs + ttlMs });
    return token;
  }

  /** `expire_tokens`: every token issued so far is expired from now on. */
  expireAll(nowMs: number): void {
    for (const t of this.tokens.values()) t.expiresAtMs = Math.min(t.expiresAtMs, nowMs - 1);
  }

  programByName(name: string): SandboxProgram | undefined {
    const key = name.toLowerCase();
    return [...this.programs.values()].find((p) => p.name.toLowerCase() === key);
  }

  summary(): Record<string, unknown> {
    return {
      tokens: this.tokens.size,
      programs: this.programs.size,
      emails: this.emails.size,
      approvedEmails: [...this.emails.values()].filter((e) => e.approved).length,
      files: this.files.size,
      lists: this.lists.size,
      leads: this.leads.size,
    };
  }
}

/** Seeds folders 12 (Marketing Activities), 33 (Switchboard), 40 (Images and Files), channels, template 1, lists. */
export function seedMarketo(store: MarketoStore, opts: { leads: number; nowIso: string }): void {
  const folders: SandboxFolder[] = [
    { id: 12, name: 'Marketing Activities', folderType: 'Marketing Folder', parentId: null },
    { id: 33, name: 'Switchboard', folderType: 'Marketing Folder', parentId: 12 },
    { id: 40, name: 'Images and Files', folderType: 'Image', parentId: null },
    { id: 41, name: 'Email Templates', folderType: 'Email Template', parentId: null },
  ];
  for (const f of folders) store.folders.set(f.id, f);
  const channels: [string, SandboxChannel['applicableProgramType']][] = [
    ['Content', 'program'],
    ['Email Blast', 'program'],
    ['Online Advertising', 'program'],
    ['Webinar', 'event'],
    ['Tradeshow', 'event'],
    ['Nurture', 'nurture'],
    ['Email Send', 'email'],
  ];
  channels.forEach(([name, type], i) =>
    store.channels.push({ id: i + 1, name, applicableProgramType: type }),
  );
  store.templates.set(1, {
    id: 1,
    name: 'Switchboard Basic',
    folderId: 41,
    sections: [
      { htmlId: 'hero', contentType: 'Image', value: '' },
      { htmlId: 'main', contentType: 'Text', value: '<p>Body</p>' },
      { htmlId: 'footer', contentType: 'Snippet', value: '1' },
    ],
  });
  for (let i = 1; i <= opts.leads; i += 1) {
    store.leads.set(i, {
      id: i,
      email: `lead${i}@example.com`,
      firstName: `First${i}`,
      lastName: `Last${i}`,
      createdAt: opts.nowIso,
      updatedAt: opts.nowIso,
    });
  }
  const all = [...store.leads.keys()];
  store.lists.set(1001, {
    id: 1001,
    name: 'Newsletter',
    description: 'All subscribers',
    leadIds: all,
    createdAt: opts.nowIso,
  });
  store.lists.set(1002, {
    id: 1002,
    name: 'Webinar attendees',
    description: '',
    leadIds: all.filter((id) => id % 7 === 0),
    createdAt: opts.nowIso,
  });
  store.lists.set(1003, { id: 1003, name: 'Empty', description: '', leadIds: [], createdAt: opts.nowIso });
}

/** Marketo's request id: `<hex>#<hex>`. */
export function requestId(): string {
  return `${randomBytes(3).toString('hex')}#${Date.now().toString(16)}`;
}

/** Success: HTTP 200 `{ requestId, success: true, errors: [], warnings, result }` (no `result` when empty, like Marketo). */
export function sendResult(
  reply: FastifyReply,
  result: unknown[],
  extra: { warnings?: string[]; nextPageToken?: string; moreResult?: boolean } = {},
): FastifyReply {
  const empty = result.length === 0;
  return reply.code(200).send({
    requestId: requestId(),
    success: true,
    errors: [],
    warnings: extra.warnings ?? (empty ? ['No assets found for the given search criteria.'] : []),
    ...(empty ? {} : { result }),
    ...(extra.nextPageToken ? { nextPageToken: extra.nextPageToken } : {}),
    ...(extra.moreResult !== undefined ? { moreResult: extra.moreResult } : {}),
  });
}

/** A response-level error: HTTP 200 (unless told otherwise) with `success: false` and one documented code. */
export function sendError(reply: FastifyReply, code: string, message: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .send({ requestId: requestId(), success: false, errors: [{ code, message }], warnings: [] });
}

/** Offset paging used by the Asset API (`offset`, `maxReturn` default 20, max 200). */
export function pageByOffset<T>(items: T[], query: Record<string, unknown>): T[] {
  const offset = Math.max(0, Number(query['offset'] ?? 0) || 0);
  const max = Math.min(200, Math.max(1, Number(query['maxReturn'] ?? 20) || 20));
  return items.slice(offset, offset + max);
}

/** Reads a JSON-text form field (`folder={"id":12,"type":"Folder"}`); undefined when absent or not JSON. */
export function jsonField<T>(value: unknown): T | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}
