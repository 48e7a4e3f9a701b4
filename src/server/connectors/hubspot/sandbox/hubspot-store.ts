/**
 * The HubSpot sandbox's state: tokens, blogs, posts, tags, marketing emails, files, contacts and lists. Plain maps in
 * memory, shaped like HubSpot's v3 objects so routes return them as they are.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../../platform/clock.js';

export const ALL_SCOPES = [
  'content',
  'files',
  'crm.lists.read',
  'crm.objects.contacts.read',
  'oauth',
] as const;

export interface SandboxToken {
  kind: 'private_app' | 'oauth';
  scopes: readonly string[];
  /** null: never expires (private-app tokens). */
  expiresAtMs: number | null;
  issuedAtMs: number;
  /** OAuth apps are limited per app; private apps per token. */
  rateKey: string;
}

export interface BlogPost {
  id: string;
  name: string;
  slug: string;
  contentGroupId: string;
  htmlTitle: string;
  headHtml: string;
  metaDescription: string;
  postBody: string;
  postSummary: string;
  featuredImage: string;
  featuredImageAltText: string;
  useFeaturedImage: boolean;
  tagIds: number[];
  language: string;
  blogAuthorId: string;
  authorName: string;
  state: 'DRAFT' | 'SCHEDULED' | 'PUBLISHED';
  currentlyPublished: boolean;
  publishDate: string;
  url: string;
  created: string;
  updated: string;
  archivedAt: string;
  archivedInDashboard: boolean;
}

export interface BlogTag {
  id: string;
  name: string;
  slug: string;
  language: string;
  created: string;
  updated: string;
  archivedAt: string;
}

export interface Blog {
  id: string;
  name: string;
  slug: string;
  absoluteUrl: string;
  language: string;
  created: string;
  updated: string;
}

export interface MarketingEmail {
  id: string;
  name: string;
  subject: string;
  state: 'DRAFT' | 'PUBLISHED';
  type: 'BATCH_EMAIL';
  subcategory: 'batch';
  isPublished: boolean;
  language: string;
  content: Record<string, unknown>;
  from: Record<string, unknown>;
  to: Record<string, unknown>;
  publishDate?: string;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface HubSpotFile {
  id: string;
  name: string;
  extension: string;
  type: 'IMG' | 'DOCUMENT' | 'MOVIE' | 'AUDIO' | 'OTHER';
  size: number;
  fileMd5: string;
  path: string;
  parentFolderId: string;
  access: string;
  url: string;
  defaultHostingUrl: string;
  isUsableInContent: boolean;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  /** Not part of the API response. */
  bytes?: Uint8Array;
  contentType?: string;
}

export interface Contact {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface ContactList {
  listId: string;
  name: string;
  objectTypeId: '0-1';
  processingType: 'MANUAL' | 'DYNAMIC' | 'SNAPSHOT';
  listVersion: number;
  createdAt: string;
  updatedAt: string;
  memberIds: string[];
}

export interface SeedList {
  name: string;
  /** Members: explicit contact ids, or the first N seeded contacts. */
  contactIds?: string[];
  size?: number;
  processingType?: ContactList['processingType'];
}

export interface HubSpotSeed {
  /** How many contacts to create (`contact1@example.com`…). */
  contacts?: number;
  lists?: SeedList[];
  blogs?: { name: string; slug: string }[];
}

export const EPOCH_ISO = '1970-01-01T00:00:00Z';

export class HubSpotStore {
  readonly tokens = new Map<string, SandboxToken>();
  readonly refreshTokens = new Map<string, { scopes: readonly string[]; clientId: string }>();
  readonly authCodes = new Map<
    string,
    { scopes: readonly string[]; redirectUri: string; codeChallenge?: string; clientId: string }
  >();
  /** Private-app tokens revoked by `expire_tokens` until faults are cleared. */
  readonly revoked = new Set<string>();
  readonly blogs = new Map<string, Blog>();
  readonly posts = new Map<string, BlogPost>();
  readonly tags = new Map<string, BlogTag>();
  readonly emails = new Map<string, MarketingEmail>();
  readonly files = new Map<string, HubSpotFile>();
  readonly contacts = new Map<string, Contact>();
  readonly lists = new Map<string, ContactList>();
  private nextId = 1;

  constructor(
    readonly clock: Clock,
    readonly portalId: number,
  ) {}

  nowIso(): string {
    return this.clock.now().toISOString();
  }

  /** HubSpot ids are numeric strings. */
  newId(base: number): string {
    const id = String(base + this.nextId);
    this.nextId += 1;
    return id;
  }

  issuePrivateAppToken(scopes: readonly string[] = ALL_SCOPES): string {
    const token = `pat-na1-${randomUUID()}`;
    this.tokens.set(token, {
      kind: 'private_app',
      scopes,
      expiresAtMs: null,
      issuedAtMs: this.clock.nowMs(),
      rateKey: `private:${token.slice(-12)}`,
    });
    return token;
  }

  issueOAuthAccessToken(
    clientId: string,
    scopes: readonly string[],
    ttlMs: number,
  ): { token: string; expiresAtMs: number } {
    const token = `CN${randomBytes(24).toString('base64url')}`;
    const now = this.clock.nowMs();
    this.tokens.set(token, {
      kind: 'oauth',
      scopes,
      expiresAtMs: now + ttlMs,
      issuedAtMs: now,
      rateKey: `oauth:${clientId}`,
    });
    return { token, expiresAtMs: now + ttlMs };
  }

  /** `expire_tokens`: OAuth access tokens expire now; private-app tokens are revoked until `restoreTokens`. */
  expireAllTokens(): void {
    const now = this.clock.nowMs();
    for (const [value, token] of this.tokens) {
      if (token.kind === 'oauth') token.expiresAtMs = Math.min(token.expiresAtMs ?? now, now);
      else this.revoked.add(value);
    }
  }

  restoreTokens(): void {
    this.revoked.clear();
  }

  addBlog(name: string, slug: string): Blog {
    const now = this.nowIso();
    const blog: Blog = {
      id: this.newId(100_000_000_000),
      name,
      slug,
      absoluteUrl: `https://${this.portalId}.hs-sites.com/${slug}`,
      language: 'en',
      created: now,
      updated: now,
    };
    this.blogs.set(blog.id, blog);
    return blog;
  }

  addContact(email: string, props: Record<string, string> = {}): Contact {
    const now = this.nowIso();
    const contact: Contact = {
      id: this.newId(1_000),
      properties: { email, firstname: null, lastname: null, ...props },
      createdAt: now,
      updatedAt: now,
      archived: false,
    };
    this.contacts.set(contact.id, contact);
    return contact;
  }

  addList(seed: SeedList): ContactList {
    const now = this.nowIso();
    const allIds = [...this.contacts.keys()];
    const memberIds = seed.contactIds ?? allIds.slice(0, seed.size ?? allIds.length);
    const list: ContactList = {
      listId: this.newId(0),
      name: seed.name,
      objectTypeId: '0-1',
      processingType: seed.processingType ?? 'MANUAL',
      listVersion: 1,
      createdAt: now,
      updatedAt: now,
      memberIds,
    };
    this.lists.set(list.listId, list);
    return list;
  }

  /** Adds seed data: contacts first, then lists over them, then blogs. */
  seed(seed: HubSpotSeed): void {
    const start = this.contacts.size;
    for (let i = 1; i <= (seed.contacts ?? 0); i += 1) {
      const n = start + i;
      this.addContact(`contact${n}@example.com`, { firstname: `Contact`, lastname: `Number ${n}` });
    }
    for (const list of seed.lists ?? []) this.addList(list);
    for (const blog of seed.blogs ?? []) this.addBlog(blog.name, blog.slug);
  }
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** `after` cursors are opaque to clients; the sandbox encodes an offset. */
export function encodeAfter(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url');
}

export function decodeAfter(after: unknown): number | undefined {
  if (typeof after !== 'string' || after === '') return 0;
  const n = Number(Buffer.from(after, 'base64url').toString('utf8'));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** One page of `items` from an `after` cursor, in HubSpot's `{ total, results, paging }` shape. */
export function pageOf<T>(
  items: readonly T[],
  offset: number,
  limit: number,
  linkBase: string,
): { total: number; results: T[]; paging?: { next: { after: string; link: string } } } {
  const results = items.slice(offset, offset + limit);
  const next = offset + limit;
  if (next >= items.length) return { total: items.length, results };
  const after = encodeAfter(next);
  return { total: items.length, results, paging: { next: { after, link: `${linkBase}?after=${after}` } } };
}
