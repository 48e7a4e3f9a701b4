/**
 * Notifications produced by the `notifications` event consumer: the right people, per-user preferences, the HTTP
 * surface (list, unread count, mark read, mark all read), emails through jobs — and a mail outage that neither
 * blocks the transition nor loses the email (the job retries).
 */
import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../src/server/platform/clock.js';
import type { Actor } from '../../src/server/platform/auth/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createWorker, type Worker } from '../../src/server/platform/queue/index.js';
import { createContentModule, type ContentModule } from '../../src/server/modules/content/index.js';
import { createMailer } from '../../src/server/modules/notifications/index.js';
import type { ModuleDeps } from '../../src/server/modules/module.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';

const clock = new TestClock(Date.now() + 3_600_000);
let t: TestApp;
let ws: SeededWorkspace;
let content: ContentModule;
let worker: Worker;

/** What reached the SMTP server: one entry per envelope recipient, with the raw message. */
const sent: { to: string; raw: string }[] = [];
/** When set, the server answers MAIL FROM with 421, like a mail server down for maintenance. */
let smtpDown = false;
let smtp: Server;

/** A minimal SMTP server (just enough of RFC 5321 for nodemailer): the real transport over a real socket. */
function startSmtpServer(): Promise<number> {
  smtp = createServer((sock) => {
    let buf = '';
    let inData = false;
    let raw = '';
    let rcpt: string[] = [];
    sock.write('220 test ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            for (const to of rcpt) sent.push({ to, raw });
            raw = '';
            rcpt = [];
            sock.write('250 OK queued\r\n');
          } else raw += line + '\n';
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') sock.write('250 test\r\n');
        else if (cmd === 'MAIL') sock.write(smtpDown ? '421 Service not available\r\n' : '250 OK\r\n');
        else if (cmd === 'RCPT') {
          rcpt.push(/<([^>]+)>/.exec(line)?.[1] ?? '');
          sock.write('250 OK\r\n');
        } else if (cmd === 'DATA') {
          inData = true;
          sock.write('354 go ahead\r\n');
        } else if (cmd === 'QUIT') sock.end('221 bye\r\n');
        else sock.write('250 OK\r\n');
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve) =>
    smtp.listen(0, '127.0.0.1', () => resolve((smtp.address() as { port: number }).port)),
  );
}

beforeAll(async () => {
  const port = await startSmtpServer();
  t = await createTestApp({
    clock,
    env: { SWITCHBOARD_SMTP_URL: `smtp://127.0.0.1:${port}`, SWITCHBOARD_MAIL_FROM: 'switchboard@acme.test' },
    before: (sb) => {
      const deps: ModuleDeps = {
        config: sb.config,
        db: sb.db,
        clock: sb.clock,
        logger: sb.logger,
        metrics: sb.metrics,
        events: sb.events,
        audit: sb.audit,
      };
      content = createContentModule(deps);
      worker = createWorker({
        db: sb.db,
        catalog: sb.jobs,
        clock,
        logger: silentLogger(),
        // Mid-range jitter: a failed job really waits for its backoff instead of running again at once.
        random: () => 0.5,
      });
    },
  });
  ws = await seedWorkspace(t.db, clock, 'acme');
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => smtp?.close(r));
});
beforeEach(() => {
  sent.length = 0;
  smtpDown = false;
});

type Role = keyof SeededWorkspace['users'];
const actorOf = (role: Role): Actor => ({
  kind: 'user',
  userId: ws.users[role].id,
  tokenId: null,
  workspaceId: ws.workspaceId,
  role,
  origin: 'api',
});
const as = (role: Role) => ({ authorization: `Bearer ${ws.tokens[role]}` });

/** Runs the event consumers and the jobs they enqueue until neither has anything left. */
async function drain() {
  for (;;) {
    const handled = await t.sb.events.runner.drain();
    let ran = 0;
    while ((await worker.runOnce()) > 0) ran++;
    if (handled === 0 && ran === 0) return;
  }
}

let slugN = 0;
async function createPost(owner: Role = 'editor') {
  const { item } = await content.content.create(actorOf(owner), {
    type: 'blog_post',
    title: `Post ${++slugN}`,
    slug: `post-${slugN}`,
    body: 'A fine body.',
  });
  return item;
}

async function move(role: Role, id: string, action: string, reason?: string) {
  const { item } = await content.content.get(actorOf(role), id);
  return content.content.transition(actorOf(role), id, {
    action,
    expectedVersion: item.version,
    ...(reason ? { reason } : {}),
  });
}

async function notificationsOf(role: Role, query = '') {
  const res = await t.app.inject({ url: `/api/v1/notifications${query}`, headers: as(role) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as {
    id: string;
    kind: string;
    title: string;
    body: string;
    data: { contentId?: string };
  }[];
}

async function requestReview(role: Role, contentId: string, reviewerUserIds: string[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/content/${contentId}/review-requests`,
    headers: as(role),
    payload: { reviewerUserIds },
  });
  expect(res.statusCode, res.body).toBe(201);
}

async function comment(role: Role, contentId: string, body: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/content/${contentId}/comments`,
    headers: as(role),
    payload: { body },
  });
  expect(res.statusCode, res.body).toBe(201);
}

const unread = async (role: Role) =>
  (await t.app.inject({ url: '/api/v1/notifications/unread-count', headers: as(role) })).json()
    .unread as number;

describe('who is told', () => {
  it('a review request notifies the reviewer in-app and by email, not the requester', async () => {
    const item = await createPost();
    await requestReview('editor', item.id, [ws.users.reviewer.id]);
    const before = await unread('reviewer');
    await drain();
    const mine = await notificationsOf('reviewer');
    expect(mine[0]).toMatchObject({ kind: 'review_requested', data: { contentId: item.id } });
    expect(await unread('reviewer')).toBe(before + 1);
    expect(sent.filter((m) => m.to === ws.users.reviewer.email)).toHaveLength(1);
    expect((await notificationsOf('editor')).filter((n) => n.data.contentId === item.id)).toEqual([]);
  });

  it('mentions notify the mentioned; the owner hears about comments; nobody about their own', async () => {
    const item = await createPost('editor');
    await comment('reviewer', item.id, 'What do you think, @publisher?');
    await drain();
    const pub = (await notificationsOf('publisher')).filter((n) => n.data.contentId === item.id);
    expect(pub.map((n) => n.kind)).toEqual(['mentioned']);
    const owner = (await notificationsOf('editor')).filter((n) => n.data.contentId === item.id);
    expect(owner.map((n) => n.kind)).toEqual(['commented']);
    expect((await notificationsOf('reviewer')).filter((n) => n.data.contentId === item.id)).toEqual([]);
    // Defaults: mentions are emailed, plain comments are not.
    expect(sent.map((m) => m.to)).toEqual([ws.users.publisher.email]);
  });

  it('a rejection tells the owner why; other state changes are in-app only', async () => {
    const item = await createPost('editor');
    await move('editor', item.id, 'submit');
    await move('reviewer', item.id, 'reject', 'The headline promises too much');
    await drain();
    const owner = (await notificationsOf('editor')).filter((n) => n.data.contentId === item.id);
    expect(owner.map((n) => n.kind).sort()).toEqual(['rejected']);
    expect(owner[0]!.body).toBe('The headline promises too much');
    expect(sent.map((m) => m.to)).toEqual([ws.users.editor.email]);
    expect(sent[0]!.raw).toContain('The headline promises too much');
    expect(sent[0]!.raw).toMatch(/^From: switchboard@acme.test$/m);
  });
});

describe('preferences and the HTTP surface', () => {
  it('honours per-kind channel preferences', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/notifications/preferences',
      headers: as('admin'),
      payload: { review_requested: { inApp: false, email: false } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({
      review_requested: { inApp: false, email: false },
      mentioned: { inApp: true, email: true },
    });
    const item = await createPost();
    await requestReview('editor', item.id, [ws.users.admin.id]);
    await drain();
    expect((await notificationsOf('admin')).filter((n) => n.data.contentId === item.id)).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('marks one read, then all; the unread count follows; others’ notifications are out of reach', async () => {
    const item = await createPost();
    await comment('editor', item.id, '@reviewer @owner have a look');
    await comment('editor', item.id, '@reviewer again');
    await drain();
    const list = await notificationsOf('reviewer', '?unread=true');
    expect(list.length).toBeGreaterThanOrEqual(2);
    const count = await unread('reviewer');
    const one = await t.app.inject({
      method: 'POST',
      url: `/api/v1/notifications/${list[0]!.id}/read`,
      headers: as('reviewer'),
    });
    expect(one.json().readAt).not.toBeNull();
    expect(await unread('reviewer')).toBe(count - 1);
    const theirs = await t.app.inject({
      method: 'POST',
      url: `/api/v1/notifications/${list[1]!.id}/read`,
      headers: as('owner'),
    });
    expect(theirs.statusCode).toBe(404);
    const all = await t.app.inject({
      method: 'POST',
      url: '/api/v1/notifications/read-all',
      headers: as('reviewer'),
    });
    expect(all.json().marked).toBe(count - 1);
    expect(await unread('reviewer')).toBe(0);
    expect(await notificationsOf('reviewer', '?unread=true')).toEqual([]);
  });
});

describe('email delivery', () => {
  it('a mail outage neither blocks the transition nor loses the email: the job retries', async () => {
    smtpDown = true;
    const item = await createPost('editor');
    await move('editor', item.id, 'submit');
    const rejected = await move('reviewer', item.id, 'reject', 'Needs sources');
    expect(rejected.item.state).toBe('draft');
    await drain();
    expect(sent).toEqual([]);
    const job = await t.db.kysely
      .selectFrom('jobs')
      .select(['id', 'state', 'attempts', 'run_at'])
      .where('name', '=', 'notifications.email')
      .where(sql<boolean>`payload->>'userId' = ${ws.users.editor.id}`)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'pending', attempts: 1 });
    // The notification itself is there already.
    expect(
      (await notificationsOf('editor')).some((n) => n.data.contentId === item.id && n.kind === 'rejected'),
    ).toBe(true);

    smtpDown = false;
    clock.set(new Date(new Date(job.run_at).getTime() + 1));
    await drain();
    expect(sent.map((m) => m.to)).toEqual([ws.users.editor.email]);
  });

  it('without SMTP configured, the email is logged', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    const logged = createMailer({ smtpUrl: '', from: 'x@y.test', logger });
    expect(logged.mode).toBe('log');
    await logged.send({ to: 'a@b.test', subject: 'Hi', text: 'Body' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ to: 'a@b.test', subject: 'Hi' });
    expect(createMailer({ smtpUrl: 'smtp://localhost:2525', from: 'x@y.test', logger }).mode).toBe('smtp');
  });
});

describe('OpenAPI', () => {
  it('documents the notification routes', async () => {
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/api/v1/notifications',
      '/api/v1/notifications/unread-count',
      '/api/v1/notifications/{id}/read',
      '/api/v1/notifications/read-all',
      '/api/v1/notifications/preferences',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
  });
});
