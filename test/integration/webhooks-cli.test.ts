/**
 * `switchboard webhooks list|add|rotate-secret|replay|log|allowed-hosts` in-process against a real database
 * (file-backed embedded, or the test PostgreSQL database).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDb } from '../support/test-db.js';
import { cliRunner, cliTestDatabase } from '../support/cli-runner.js';

describe('switchboard webhooks CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-webhooks-cli-'));
  let pg: TestDb | null = null;
  const env: Record<string, string> = {
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_CONFIG_FILE: '',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
  };
  const run = cliRunner(env, dataDir);

  beforeAll(async () => {
    pg = await cliTestDatabase(env);
    const r = await run('workspace', 'create', '--slug', 'wh');
    expect(r.code, r.err).toBe(0);
  });
  afterAll(async () => {
    await pg?.close();
  });

  it('add (refused, then allowed), list, rotate-secret, log, replay', async () => {
    const refused = await run('webhooks', 'add', 'http://127.0.0.1:9/hook', '--workspace', 'wh');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('WEBHOOK_TARGET_REFUSED');
    expect((await run('webhooks', 'allowed-hosts', '127.0.0.1', '--workspace', 'wh')).out).toBe('127.0.0.1');

    const added = await run(
      'webhooks',
      'add',
      'http://127.0.0.1:9/hook',
      '--workspace',
      'wh',
      '--events',
      'content.*,shop.order_paid',
      '--json',
    );
    expect(added.code, added.err).toBe(0);
    const { id, secret } = JSON.parse(added.out) as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_/);

    const list = await run('webhooks', 'list', '--workspace', 'wh', '--json');
    expect(JSON.parse(list.out)).toEqual([
      expect.objectContaining({ id, events: 'content.*,shop.order_paid', enabled: true }),
    ]);
    expect(list.out).not.toContain(secret);

    const rotated = await run('webhooks', 'rotate-secret', id, '--workspace', 'wh', '--json');
    expect(rotated.code, rotated.err).toBe(0);
    expect(JSON.parse(rotated.out).secret).not.toBe(secret);

    const log = await run('webhooks', 'log', '--workspace', 'wh', '--subscription', id);
    expect(log.code, log.err).toBe(0);
    expect(log.out).toBe('(none)');

    const replay = await run('webhooks', 'replay', '--workspace', 'wh', '--dead', id);
    expect(replay.code, replay.err).toBe(0);
    expect(replay.out).toBe('replayed 0 message(s)');
    expect((await run('webhooks', 'replay', '--workspace', 'wh')).code).toBe(2);
    expect((await run('webhooks', 'replay', '--workspace', 'wh', '--since', 'yesterday')).code).toBe(2);
  });
});
