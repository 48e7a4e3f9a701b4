/**
 * Start-up smoke test of the real product on the embedded database: `switchboard serve` on a fresh data directory
 * prints the first-run credentials once, becomes ready, serves the API reference, stops cleanly on SIGTERM, and
 * never shows the one-time password again on the next start.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServerProcess, waitForStatus } from '../support/spawn-server.js';

describe('switchboard serve (embedded)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-serve-'));
  const env = { SWITCHBOARD_DATA_DIR: dataDir, DATABASE_URL: '' };

  it('first start: prints a one-time password once, is ready, serves docs, exits 0 on SIGTERM', async () => {
    const server = await startServerProcess({ env });
    try {
      const ready = (await waitForStatus(`${server.url}/ready`)) as { info: { database: string } };
      expect(ready.info.database).toBe('pglite');
      const out = server.output();
      // Before serving, the embedded database ran its warm-up (ADR 0014) and said how it went.
      expect(out).toMatch(/"msg":"embedded database warmed up"/);
      const password = /One-time password: (\S+)/.exec(out)?.[1];
      expect(password).toBeDefined();
      // Shown exactly once: in the banner, never in a log line.
      expect(out.split(password!).length - 1).toBe(1);
      const docs = await fetch(`${server.url}/api/docs/`);
      expect(docs.status).toBe(200);
      const login = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'owner@switchboard.local', password }),
      });
      expect(login.status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);

  it('second start on the same data: no new credentials are printed', async () => {
    const server = await startServerProcess({ env });
    try {
      await waitForStatus(`${server.url}/ready`);
      expect(server.output()).not.toMatch(/One-time password/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
