/**
 * Browser journeys (issue 6): the built web app served by a real `switchboard serve` on a fresh embedded database,
 * driven through Debian's Chromium. Screenshots land in test-results/browser/. Without /usr/bin/chromium the whole
 * suite is skipped with a message saying so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  CHROMIUM_PATH,
  hasChromium,
  horizontalOverflow,
  launchChromium,
  newPage,
  PHONE,
  DESKTOP,
  shoot,
} from './support/chromium.js';
import { ApiSession, startWebServer, type WebServer } from './support/web-server.js';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';

if (!hasChromium)
  console.warn(
    `\n[browser journeys] SKIPPED: ${CHROMIUM_PATH} not found. Install it (apt-get install -y chromium) to run them.\n`,
  );

const OWNER_PASSWORD = 'owner-password-for-journeys';
const REVIEWER = { email: 'rita@example.com', name: 'Rita Reviewer', password: 'reviewer-password-1' };
const VIEWER = { email: 'vic@example.com', name: 'Vic Viewer', password: 'viewer-password-12' };

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function expectNoOverflow(page: Page): Promise<void> {
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(100);
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.setViewportSize(DESKTOP);
}

describe.skipIf(!hasChromium)('browser journeys', () => {
  let web: WebServer;
  let browser: Browser;
  let owner: ApiSession;
  let author: { context: BrowserContext; page: Page };
  let reviewer: { context: BrowserContext; page: Page };
  let postId = '';
  let hubspot: HubSpotSandbox | undefined;
  let hubspotConnectionId = '';

  /** HTTP setup for the delivery journeys: a post created and submitted by the owner, approved by the reviewer. */
  async function createApprovedPost(title: string): Promise<string> {
    const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const created = await owner.request<{ id: string; version: number }>('POST', '/api/v1/content', {
      type: 'blog_post',
      title,
      slug,
      body: `# ${title}\n\nEverything about ${title.toLowerCase()}.`,
    });
    const submitted = await owner.request<{ item: { version: number } }>(
      'POST',
      `/api/v1/content/${created.id}/transitions`,
      { action: 'submit' },
      { 'if-match': `"${created.version}"` },
    );
    const rita = await ApiSession.login(web.url, REVIEWER.email, REVIEWER.password);
    await rita.request(
      'POST',
      `/api/v1/content/${created.id}/transitions`,
      { action: 'approve' },
      { 'if-match': `"${submitted.item.version}"` },
    );
    return created.id;
  }

  beforeAll(async () => {
    // One vendor attempt per delivery (the HTTP client still retries a 5xx three times inside it), so a delivery
    // that meets a failing sandbox reaches the dead letter in about a second instead of after eight backed-off tries.
    web = await startWebServer({ env: { SWITCHBOARD_DELIVERY_MAX_ATTEMPTS: '1' } });
    browser = await launchChromium();
    author = await newPage(browser, web.url);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await hubspot?.close();
  });

  it('1: signs in (first run), creates a blog post and submits it for review', async () => {
    const { page } = author;
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await shoot(page, 'j1-01-login', { phone: true });
    await signIn(page, web.ownerEmail, web.oneTimePassword);
    await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
    await page.getByLabel('One-time password').fill(web.oneTimePassword);
    await page.getByLabel('New password', { exact: true }).fill(OWNER_PASSWORD);
    await page.getByLabel('Repeat new password').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByRole('heading', { name: /^Hello/ }).waitFor();
    await shoot(page, 'j1-02-home', { phone: true });
    await expectNoOverflow(page);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Content' }).click();
    await page.getByRole('link', { name: 'New content' }).click();
    await page.getByLabel('Title').fill('Spring launch post');
    await page.getByLabel('Body (Markdown)').fill('# Spring launch\n\nOur spring range is here.\n');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Spring launch post', level: 1 }).waitFor();
    postId = page.url().split('/').pop()!;
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByRole('status').filter({ hasText: 'is now review' }).waitFor();
    await expect.poll(() => page.getByLabel('Status').textContent()).toContain('In review');
    await shoot(page, 'j1-03-submitted', { phone: true });
    await expectNoOverflow(page);
  });

  it('2: a reviewer in a second context approves; the author board moves the card without reload', async () => {
    owner = await ApiSession.login(web.url, web.ownerEmail, OWNER_PASSWORD);
    await owner.createMember(REVIEWER.email, REVIEWER.name, 'reviewer', REVIEWER.password);

    const { page } = author;
    await page.goto('/content');
    const card = page.locator(`[data-testid=content-card][data-id="${postId}"]`);
    await page.locator(`section[data-state=review] [data-id="${postId}"]`).waitFor();
    await shoot(page, 'j2-01-board-before', { phone: true });
    await expectNoOverflow(page);
    let reloaded = false;
    page.once('load', () => (reloaded = true));

    reviewer = await newPage(browser, web.url);
    await signIn(reviewer.page, REVIEWER.email, REVIEWER.password);
    await reviewer.page.getByRole('heading', { name: /^Hello/ }).waitFor();
    await reviewer.page.goto(`/content/${postId}`);
    await reviewer.page.getByRole('button', { name: 'Approve' }).click();
    await reviewer.page.getByRole('status').filter({ hasText: 'is now approved' }).waitFor();
    const approvedAt = Date.now();
    await page.locator(`section[data-state=approved] [data-id="${postId}"]`).waitFor({ timeout: 2000 });
    const elapsed = Date.now() - approvedAt;
    expect(elapsed).toBeLessThan(2000);
    expect(reloaded).toBe(false);
    expect(await card.getAttribute('data-state')).toBe('approved');
    await shoot(page, 'j2-02-board-after');
    await shoot(reviewer.page, 'j2-03-reviewer-approved');
  });

  it('4: a reviewer edits approved content; it returns to review and shows the diff since approval', async () => {
    const { page } = reviewer;
    await page.goto(`/content/${postId}`);
    await expect.poll(() => page.getByLabel('Status').textContent()).toContain('Approved');
    const body = page.getByRole('textbox', { name: 'Body' });
    await body.fill('# Spring launch\n\nOur spring range is here, with free shipping.\n');
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /went back to review/ })
      .waitFor();
    await expect.poll(() => page.getByLabel('Status').textContent()).toContain('In review');
    const diff = page.getByTestId('diff-since-approval');
    await diff.getByText('with free shipping').first().waitFor();
    await shoot(page, 'j4-01-returned-to-review', { phone: true });
    await expectNoOverflow(page);
  });

  it('6: a viewer sees no transition buttons, and a forced call is refused with a clear 403', async () => {
    await owner.createMember(VIEWER.email, VIEWER.name, 'viewer', VIEWER.password);
    const { context, page } = await newPage(browser, web.url);
    await signIn(page, VIEWER.email, VIEWER.password);
    await page.getByRole('heading', { name: /^Hello/ }).waitFor();
    await page.goto('/content');
    await page.locator(`[data-id="${postId}"]`).waitFor();
    expect(await page.locator('[data-testid=content-card] button').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'New content' }).count()).toBe(0);
    await page.goto(`/content/${postId}`);
    await page.getByRole('heading', { name: 'Spring launch post', level: 1 }).waitFor();
    expect(await page.getByRole('group', { name: 'Workflow actions' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await shoot(page, 'j6-01-viewer-editor', { phone: true });

    const forced = await page.evaluate(async (id) => {
      const me = (await (await fetch('/api/v1/auth/me')).json()) as { csrfToken: string };
      const res = await fetch(`/api/v1/content/${id}/transitions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ action: 'approve' }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    }, postId);
    expect(forced.status).toBe(403);

    // The same refusal through the UI: the form is reachable by URL, the server says no, the screen says why.
    await page.goto('/content/new');
    await page.getByLabel('Title').fill('Viewer attempt');
    await page.getByRole('button', { name: 'Create' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'FORBIDDEN' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/does not allow/i);
    await shoot(page, 'j6-02-viewer-forbidden', { phone: true });
    await context.close();
  });

  it('7: an external reviewer link approves once; a second use says the link was already used', async () => {
    const created = await owner.request<{ id: string; version: number }>('POST', '/api/v1/content', {
      type: 'blog_post',
      title: 'Partner announcement',
      slug: 'partner-announcement',
      body: 'We are partnering with Acme.',
    });
    await owner.request(
      'POST',
      `/api/v1/content/${created.id}/transitions`,
      { action: 'submit' },
      { 'if-match': `"${created.version}"` },
    );

    const { page } = reviewer;
    await page.goto(`/content/${created.id}`);
    await page.getByRole('tab', { name: 'Reviews' }).click();
    await page.getByLabel('Reviewer name').fill('Erin External');
    await page.getByRole('button', { name: 'Create reviewer link' }).click();
    const link = page.getByTestId('reviewer-link-url').getByRole('link');
    await link.waitFor();
    const url = new URL((await link.getAttribute('href'))!);
    await shoot(page, 'j7-01-link-created');

    const external = await newPage(browser, web.url);
    await external.page.goto(url.pathname);
    await external.page.getByRole('heading', { name: 'Partner announcement' }).waitFor();
    await shoot(external.page, 'j7-02-review-page', { phone: true });
    await expectNoOverflow(external.page);
    await external.page.getByRole('button', { name: 'Approve' }).click();
    await external.page.getByRole('heading', { name: /Thank you/ }).waitFor();
    await shoot(external.page, 'j7-03-approved');

    await external.page.goto(url.pathname);
    await external.page.getByRole('alert').filter({ hasText: 'already been used' }).waitFor();
    await shoot(external.page, 'j7-04-already-used', { phone: true });
    await external.context.close();

    const item = await owner.request<{ state: string }>('GET', `/api/v1/content/${created.id}`);
    expect(item.state).toBe('approved');
  });

  it('3: connects a HubSpot sandbox through the form, publishes to it, and shows the result and external link', async () => {
    hubspot = await startHubSpotSandbox({ host: '127.0.0.1' });
    const { page } = author;
    await page.goto('/connections');
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    await page.getByRole('button', { name: 'Add connection' }).click();
    const form = page.getByRole('form', { name: 'Add a connection' });
    await form.getByLabel('Platform', { exact: true }).selectOption('hubspot');
    await form.getByLabel('Name', { exact: true }).fill('HubSpot sandbox');
    await form.getByLabel('Base URL (optional)').fill(hubspot.url);
    await form.getByRole('checkbox', { name: /^Sandbox/ }).check();
    // Fields generated from the connector's JSON Schema (GET /api/v1/connectors).
    await form.getByLabel('Blog id (optional)').fill(hubspot.blogId);
    expect(await form.getByRole('checkbox', { name: 'Publish immediately (optional)' }).isChecked()).toBe(
      true,
    );
    expect(await form.getByLabel('File access (optional)').inputValue()).toBe('PUBLIC_NOT_INDEXABLE');
    const token = form.getByLabel('Access token (optional)');
    expect(await token.getAttribute('type')).toBe('password');
    await token.fill(hubspot.privateAppToken);
    await shoot(page, 'j3-01-add-connection', { phone: true });
    await expectNoOverflow(page);
    await form.getByRole('button', { name: 'Add connection' }).click();

    const card = page.getByTestId('connection-card').filter({ hasText: 'HubSpot sandbox' });
    await card.waitFor();
    expect(await card.locator('.badge-sandbox').textContent()).toBe('Sandbox');
    hubspotConnectionId = (await card.getAttribute('data-id'))!;
    await card.getByRole('button', { name: 'Test connection' }).click();
    await card.getByTestId('connection-test-result').filter({ hasText: 'Connected' }).waitFor();
    await card.getByTestId('rate-budget').waitFor();
    expect(await card.getByTestId('breaker-state').textContent()).toBe('closed');
    await shoot(page, 'j3-02-connection-tested', { phone: true });
    await expectNoOverflow(page);

    const id = await createApprovedPost('Autumn collection');
    await page.goto(`/content/${id}`);
    await expect.poll(() => page.getByLabel('Status').textContent()).toContain('Approved');
    await page.getByRole('tab', { name: 'Destinations' }).click();
    await page.getByLabel('Publish content → HubSpot sandbox [sandbox]').check();
    await page.getByRole('button', { name: 'Save destinations' }).click();
    await page.getByRole('status').filter({ hasText: 'Destinations saved' }).waitFor();
    const result = page.locator(`[data-testid=destination-result][data-connection="${hubspotConnectionId}"]`);
    await result.filter({ hasText: 'Not delivered yet' }).waitFor();
    await shoot(page, 'j3-03-destination-set');

    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'is now published' }).waitFor();
    // The delivery runs in the server's worker; its events refresh the tab without a reload.
    await page
      .locator(
        `[data-testid=destination-result][data-connection="${hubspotConnectionId}"][data-status=succeeded]`,
      )
      .waitFor({ timeout: 15_000 });
    const link = result.getByTestId('external-link');
    const href = (await link.getAttribute('href'))!;
    const posts = [...hubspot.store.posts.values()];
    expect(posts).toHaveLength(1);
    expect(href).toBe(posts[0]!.url);
    expect(await link.textContent()).toContain(posts[0]!.id);
    await shoot(page, 'j3-04-published', { phone: true });
    await expectNoOverflow(page);
  });

  it('5: a delivery failed by a sandbox fault shows its classified error; replayed after the fault clears, it succeeds', async () => {
    expect(hubspot, 'journey 3 starts the sandbox').toBeDefined();
    const sandbox = hubspot!;
    const id = await createApprovedPost('Winter clearance');
    await owner.request('PUT', `/api/v1/content/${id}/destinations`, {
      destinations: [{ connectionId: hubspotConnectionId, action: 'publishContent' }],
    });
    sandbox.faults.inject({ kind: 'server_error', status: 503, operation: 'cms.posts.create' });

    const { page } = author;
    await page.goto(`/content/${id}`);
    await expect.poll(() => page.getByLabel('Status').textContent()).toContain('Approved');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'is now published' }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
    // The ledger follows the event stream: the row turns failed without a reload.
    const failed = page
      .locator('[data-testid=delivery-row][data-status=failed]')
      .filter({ hasText: 'Winter clearance' });
    await failed.waitFor({ timeout: 20_000 });
    const error = await failed.getByTestId('delivery-error').textContent();
    expect(error).toContain('retryable');
    expect(error).toContain('HTTP 503');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByLabel('Connection').selectOption(hubspotConnectionId);
    await page.waitForURL(/status=failed.*connectionId=|connectionId=.*status=failed/);
    await expect.poll(() => page.locator('[data-testid=delivery-row]').count()).toBe(1);
    await failed.waitFor();
    await page.getByRole('button', { name: 'Replay all failed for this connection' }).waitFor();
    await shoot(page, 'j5-01-ledger-failed', { phone: true });
    await expectNoOverflow(page);

    await failed.getByRole('link', { name: 'Details' }).click();
    const detail = page.getByTestId('delivery-detail');
    await detail.waitFor();
    expect(await page.getByTestId('delivery-status').textContent()).toBe('Failed');
    const attempt = page.getByTestId('attempt-row').first();
    expect(await attempt.getAttribute('data-outcome')).toBe('retryable');
    expect(await attempt.textContent()).toMatch(/\d+ ms/);
    expect(await detail.getByRole('definition').filter({ hasText: 'Temporary failure' }).count()).toBe(1);
    await shoot(page, 'j5-02-delivery-failed', { phone: true });
    await expectNoOverflow(page);

    sandbox.faults.clear();
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Replay queued' }).waitFor();
    await page.locator('[data-testid=delivery-detail][data-status=succeeded]').waitFor({ timeout: 15_000 });
    const live = page.getByTestId('delivery-external-link');
    await live.waitFor();
    const created = [...sandbox.store.posts.values()].find((p) => p.name === 'Winter clearance');
    expect(created, 'the replay created the post at the sandbox').toBeDefined();
    expect(await live.getAttribute('href')).toBe(created!.url);
    expect(await page.getByTestId('attempt-row').count()).toBe(2);
    await shoot(page, 'j5-03-replayed', { phone: true });

    await page.goto('/deliveries?status=failed');
    await page.getByText('No deliveries match.').waitFor();
    await page.goto(`/connections`);
    const card = page.getByTestId('connection-card').filter({ hasText: 'HubSpot sandbox' });
    await card.getByTestId('connection-last-error').filter({ hasText: 'HTTP 503' }).waitFor();
    await shoot(page, 'j5-04-connection-health');
  });

  it('8: an admin subscribes a webhook receiver, sees the secret once, pings it and reads the attempt log', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const { page } = author;
      await page.goto('/webhooks');
      await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
      // Loopback targets are refused until the host is allowed: the API's code and message are shown.
      await page.getByLabel('Endpoint URL').fill(hookUrl);
      await page.getByRole('button', { name: 'Add subscription' }).click();
      await page.getByRole('alert').filter({ hasText: 'WEBHOOK_TARGET_REFUSED' }).waitFor();
      await page.getByLabel('Hosts on private addresses').fill('127.0.0.1');
      await page.getByRole('button', { name: 'Save allowed hosts' }).click();
      await page.getByRole('status').filter({ hasText: 'Allowed hosts saved' }).waitFor();
      await page.getByRole('button', { name: 'Add subscription' }).click();
      const secret = page.getByTestId('webhook-secret');
      await secret.waitFor();
      expect(await secret.textContent()).toMatch(/whsec_\S+/);
      const sub = page.getByTestId('subscription').filter({ hasText: hookUrl });
      await sub.waitFor();
      await shoot(page, 'j8-01-subscribed', { phone: true });
      await expectNoOverflow(page);
      await secret.getByRole('button', { name: 'Done' }).click();
      expect(await page.getByTestId('webhook-secret').count()).toBe(0);

      await sub.getByRole('button', { name: 'Ping' }).click();
      const message = page.locator('[data-testid=webhook-message]').filter({ hasText: 'webhook.ping' });
      await message.and(page.locator('[data-status=succeeded]')).waitFor({ timeout: 15_000 });
      expect(received).toHaveLength(1);
      expect(received[0]!.headers['webhook-signature']).toMatch(/^v1,/);
      await message.getByRole('button', { name: 'Attempts' }).click();
      await page.locator('[data-testid=webhook-attempt][data-outcome=succeeded]').waitFor();
      await shoot(page, 'j8-02-message-log', { phone: true });
      await expectNoOverflow(page);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('9: an unknown outcome is resolved by a publisher from the evidence (attempts and marker)', async () => {
    expect(hubspot, 'journey 3 starts the sandbox').toBeDefined();
    const sandbox = hubspot!;
    const id = await createApprovedPost('Spring preview');
    await owner.request('PUT', `/api/v1/content/${id}/destinations`, {
      destinations: [{ connectionId: hubspotConnectionId, action: 'publishContent' }],
    });
    // The post is created but the answer is lost. The connector looks for an existing post before creating one, so
    // the sandbox stops answering post lookups only once the create has happened: reconciliation cannot ask, and the
    // outcome stays unknown for a person to decide.
    const lost = sandbox.faults.inject({ kind: 'lose_response', operation: 'cms.posts.create', times: 1 });
    const armLookupFault = setInterval(() => {
      if (lost.hits === 0) return;
      clearInterval(armLookupFault);
      sandbox.faults.inject({ kind: 'server_error', status: 503, operation: 'cms.posts.list' });
    }, 1);
    try {
      const { page } = author;
      await page.goto(`/content/${id}`);
      await expect.poll(() => page.getByLabel('Status').textContent()).toContain('Approved');
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'is now published' }).waitFor();

      await page.goto('/deliveries?status=unknown');
      const row = page
        .locator('[data-testid=delivery-row][data-status=unknown]')
        .filter({ hasText: 'Spring preview' });
      await row.waitFor({ timeout: 20_000 });
      await row.getByRole('link', { name: 'Details' }).click();
      const form = page.getByRole('form', { name: 'Resolve the unknown outcome' });
      await form.waitFor();
      const marker = (await form.locator('code').first().textContent())!;
      const created = [...sandbox.store.posts.values()].find((p) => p.name === 'Spring preview');
      expect(created, 'the lost call did create the post').toBeDefined();
      expect(created!.headHtml).toContain(marker);
      expect(await page.getByTestId('attempt-row').first().getAttribute('data-outcome')).toBe(
        'unknown_outcome',
      );
      await shoot(page, 'j9-01-unknown-evidence', { phone: true });
      await expectNoOverflow(page);

      await form.getByLabel(/It happened/).check();
      await form.getByLabel('External id').fill(created!.id);
      await form.getByLabel('Note').fill('Found the post carrying the marker in the sandbox blog.');
      await form.getByRole('button', { name: 'Resolve' }).click();
      await page.getByRole('status').filter({ hasText: 'Delivery resolved' }).waitFor();
      await page.locator('[data-testid=delivery-detail][data-status=reconciled]').waitFor();
      expect(await page.getByTestId('delivery-status').textContent()).toBe('Reconciled');
      await shoot(page, 'j9-02-resolved');
    } finally {
      clearInterval(armLookupFault);
      sandbox.faults.clear();
    }
  });
});
