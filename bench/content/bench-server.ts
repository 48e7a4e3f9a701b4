/**
 * A real Switchboard for the content benchmark: `createSwitchboard` on the embedded database (file-backed PGlite,
 * fsync hook on, as deployed by default), all roles in one process as `npm start` runs it, listening on
 * 127.0.0.1:0, and one seeded workspace with an owner token.
 */
import { loadConfig } from '../../src/server/config.js';
import { createSwitchboard, type Switchboard } from '../../src/server/main.js';
import type { CatalogModule } from '../../src/server/modules/catalog/index.js';
import {
  createToken,
  createUser,
  createWorkspace,
  type Actor,
} from '../../src/server/platform/auth/index.js';
import { systemClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createTempDir } from '../support/scratch-db.js';

export interface BenchServer {
  sb: Switchboard;
  baseUrl: string;
  token: string;
  actor: Actor;
  catalog: CatalogModule;
  close(): Promise<void>;
}

export async function startBenchServer(): Promise<BenchServer> {
  const dir = createTempDir('sb-bench-content-');
  const config = loadConfig(
    {
      SWITCHBOARD_DATA_DIR: dir.path,
      SWITCHBOARD_LOG_LEVEL: 'silent',
      SWITCHBOARD_HOST: '127.0.0.1',
      SWITCHBOARD_CONFIG_FILE: '',
      SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
      // Plenty for the open-loop run: the rate limiter of a real deployment is not what we measure here.
      SWITCHBOARD_BODY_LIMIT_BYTES: String(1 << 20),
    },
    dir.path,
  );
  // One process with every role, as `npm start` runs it: the modules' routes and jobs are wired by main.ts.
  const sb = await createSwitchboard({ config, clock: systemClock, logger: silentLogger() });
  const catalog = sb.modules.find((m) => m.name === 'catalog') as CatalogModule | undefined;
  if (!catalog) throw new Error('the catalog module is not wired (src/server/modules.ts)');
  await sb.start({ port: 0 });
  const address = sb.http.server.address();
  if (!address || typeof address === 'string') throw new Error('server is not listening on a TCP port');
  const baseUrl = `http://127.0.0.1:${address.port}`;

  const ws = await createWorkspace(sb.db.kysely, { slug: 'bench', name: 'Bench' });
  const user = await createUser(sb.db.kysely, {
    email: 'owner@bench.test',
    password: 'bench password that is long enough',
    workspaceId: ws.id,
    role: 'owner',
  });
  const actor: Actor = {
    kind: 'user',
    userId: user.id,
    tokenId: null,
    workspaceId: ws.id,
    role: 'owner',
    origin: 'cli',
  };
  const { token } = await createToken(sb.db.kysely, systemClock, actor, { name: 'bench', role: 'owner' });
  return {
    sb,
    baseUrl,
    token,
    actor,
    catalog,
    close: async () => {
      await sb.stop();
      dir.remove();
    },
  };
}
