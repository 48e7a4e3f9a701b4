/**
 * A whole Switchboard (the api role unless `roles` says otherwise; not listening) on a fresh test database, for integration tests that go through
 * HTTP with `app.inject`. Pass a TestClock to control time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/server/config.js';
import { TestClock } from '../../src/server/platform/clock.js';
import type { HttpApp } from '../../src/server/platform/http/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createSwitchboard, type Switchboard, type SwitchboardOptions } from '../../src/server/main.js';
import { createTestDb, type TestDb } from './test-db.js';

export interface TestApp {
  sb: Switchboard;
  app: HttpApp;
  db: TestDb['db'];
  clock: TestClock;
  config: Config;
  close(): Promise<void>;
}

export async function createTestApp(
  opts: {
    env?: Record<string, string>;
    clock?: TestClock;
    before?: (sb: Switchboard) => void;
    roles?: SwitchboardOptions['roles'];
  } = {},
): Promise<TestApp> {
  const testDb = await createTestDb();
  const clock = opts.clock ?? new TestClock(new Date());
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-app-'));
  const config = loadConfig(
    {
      SWITCHBOARD_LOG_LEVEL: 'silent',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      SWITCHBOARD_CONFIG_FILE: '',
      ...(testDb.url ? { DATABASE_URL: testDb.url } : {}),
      ...opts.env,
    },
    dataDir,
  );
  const sb = await createSwitchboard({
    config,
    clock,
    logger: silentLogger(),
    db: testDb.db,
    roles: opts.roles ?? ['api'],
  });
  opts.before?.(sb);
  await sb.http!.ready();
  return {
    sb,
    app: sb.http!,
    db: testDb.db,
    clock,
    config,
    close: async () => {
      await sb.stop();
      await testDb.close();
    },
  };
}
