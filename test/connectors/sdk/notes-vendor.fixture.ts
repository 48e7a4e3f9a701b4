/**
 * "Notes": a tiny vendor used to test the contract suite itself, independent of the real connectors. It has a sandbox
 * on the shared sandbox kit (client-credentials tokens that expire on demand, a rolling rate window with violation
 * counting, notes carrying a marker, paged contacts) and a connector written the way real ones are.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { RateWindowTracker, startSandboxServer } from '../../../src/server/connectors/sandbox-kit/index.js';
import type { SandboxServer } from '../../../src/server/connectors/sandbox-kit/index.js';
import { ConnectorError } from '../../../src/server/connectors/index.js';
import type { Connector, RateLimitPolicy } from '../../../src/server/connectors/index.js';

export const NOTES_RATE_LIMIT: RateLimitPolicy = { requests: 20, windowMs: 1_000 };
const CLIENT = { clientId: 'notes-client', clientSecret: 'notes-secret' };

export interface NotesSandbox extends SandboxServer {
  notes: Map<string, { id: string; title: string; marker: string }>;
}

export async function startNotesSandbox(): Promise<NotesSandbox> {
  const tokens = new Set<string>();
  const notes = new Map<string, { id: string; title: string; marker: string }>();
  const contacts = Array.from({ length: 23 }, (_, i) => ({
    id: `c${i + 1}`,
    email: `c${i + 1}@example.com`,
  }));
  const window = new RateWindowTracker({
    limit: NOTES_RATE_LIMIT.requests,
    windowMs: NOTES_RATE_LIMIT.windowMs,
  });
  const server = await startSandboxServer({
    name: 'notes',
    register(app) {
      app.addHook('preHandler', async (request, reply) => {
        const op = request.routeOptions.config?.operation;
        if (op === undefined) return;
        if (!window.hit('app').allowed) return reply.code(429).send({ error: 'rate limited' });
        if (op === 'token') return;
        const auth = request.headers.authorization ?? '';
        if (!tokens.has(auth.replace(/^Bearer /, ''))) return reply.code(401).send({ error: 'bad token' });
      });
      app.post('/oauth/token', { config: { operation: 'token' } }, async (request, reply) => {
        const body = request.body as Record<string, string>;
        if (body.client_id !== CLIENT.clientId || body.client_secret !== CLIENT.clientSecret) {
          return reply.code(401).send({ error: 'invalid_client' });
        }
        const token = randomUUID();
        tokens.add(token);
        return { access_token: token, expires_in: 3600 };
      });
      app.get('/me', { config: { operation: 'me.get' } }, async () => ({ account: 'notes-account' }));
      app.post('/notes', { config: { operation: 'notes.create' } }, async (request, reply) => {
        const body = request.body as { title?: unknown; marker?: unknown };
        if (typeof body.title !== 'string' || typeof body.marker !== 'string') {
          return reply.code(400).send({ error: 'title and marker required' });
        }
        const note = { id: randomUUID(), title: body.title, marker: body.marker };
        notes.set(note.id, note);
        return reply.code(201).send(note);
      });
      app.delete('/notes/:id', { config: { operation: 'notes.delete' } }, async (request, reply) => {
        const { id } = request.params as { id: string };
        if (!notes.delete(id)) return reply.code(404).send({ error: 'no such note' });
        return reply.code(204).send();
      });
      app.get('/notes', { config: { operation: 'notes.search' } }, async (request) => {
        const { marker } = request.query as { marker?: string };
        return { results: [...notes.values()].filter((n) => n.marker === marker) };
      });
      app.get('/contacts', { config: { operation: 'contacts.list' } }, async (request) => {
        const q = request.query as { after?: string; limit?: string };
        const start = Number(q.after ?? 0);
        const limit = Number(q.limit ?? 10);
        const page = contacts.slice(start, start + limit);
        const next = start + limit < contacts.length ? String(start + limit) : undefined;
        return { results: page, ...(next ? { paging: { next: { after: next } } } : {}) };
      });
    },
    sendFault(kind, fault, _request, reply) {
      if (kind === 'rate_limit') {
        return reply
          .code(429)
          .header('retry-after', String(fault.spec.retryAfterSeconds ?? 1))
          .send({ error: 'rate limited' });
      }
      return reply.code(fault.spec.status ?? 500).send({ error: 'server error' });
    },
    expireTokens: () => tokens.clear(),
    violations: () => window.violations(),
  });
  return Object.assign(server, { notes });
}

interface Note {
  id: string;
  title: string;
  marker: string;
}

export const notesConnector: Connector = {
  manifest: {
    id: 'notes',
    displayName: 'Notes (test vendor)',
    authKind: 'client_credentials',
    capabilities: [
      'testConnection',
      'publishContent',
      'unpublishContent',
      'listContacts',
      'findByIdempotencyMarker',
    ],
    configSchema: z.object({}),
    credentialsSchema: z.object({ clientId: z.string(), clientSecret: z.string() }),
    defaultBaseUrl: 'https://api.notes.example',
    rateLimit: NOTES_RATE_LIMIT,
    docs: [],
  },
  httpPolicy: {
    classify: () => undefined,
  },
  createClient(ctx) {
    return {
      async testConnection() {
        const res = await ctx.http.request<{ account: string }>({
          method: 'GET',
          path: '/me',
          operation: 'me.get',
        });
        return { ok: true, account: res.body.account };
      },
      async publishContent({ content, idempotencyMarker }) {
        const res = await ctx.http.request<Note>({
          method: 'POST',
          path: '/notes',
          json: { title: content.title, marker: idempotencyMarker },
          operation: 'notes.create',
        });
        return { externalId: res.body.id };
      },
      async unpublishContent({ externalId }) {
        await ctx.http.request({ method: 'DELETE', path: `/notes/${externalId}`, operation: 'notes.delete' });
        return { externalId };
      },
      async listContacts({ cursor, limit }) {
        const res = await ctx.http.request<{
          results: { id: string; email: string }[];
          paging?: { next: { after: string } };
        }>({
          method: 'GET',
          path: '/contacts',
          query: { after: cursor, limit: limit ?? 10 },
          operation: 'contacts.list',
        });
        return {
          contacts: res.body.results.map((c) => ({ externalId: c.id, email: c.email, fields: {} })),
          ...(res.body.paging ? { nextCursor: res.body.paging.next.after } : {}),
        };
      },
      async findByIdempotencyMarker({ marker }) {
        const res = await ctx.http.request<{ results: Note[] }>({
          method: 'GET',
          path: '/notes',
          query: { marker },
          operation: 'notes.search',
        });
        const hit = res.body.results[0];
        return hit ? { externalId: hit.id } : null;
      },
    };
  },
  async fetchToken({ http, credentials }) {
    const res = await http.request<{ access_token?: string; expires_in?: number }>({
      method: 'POST',
      path: '/oauth/token',
      body: new URLSearchParams({
        client_id: String(credentials.clientId),
        client_secret: String(credentials.clientSecret),
      }).toString(),
      auth: false,
      idempotent: true,
      operation: 'token',
    });
    if (!res.body.access_token) throw new ConnectorError({ kind: 'retryable', message: 'no token' });
    return {
      accessToken: res.body.access_token,
      expiresAt: new Date(Date.now() + (res.body.expires_in ?? 0) * 1000),
    };
  },
};

export const NOTES_CREDENTIALS = CLIENT;
