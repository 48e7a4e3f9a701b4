/**
 * A real Switchboard for the content benchmark: `createSwitchboard` on the embedded database (file-backed PGlite,
 * fsync hook on, as deployed by default), listening on 127.0.0.1:0, with the catalog module's routes and a worker
 * for its jobs, and one seeded workspace with an owner token.
 */
import { loadConfig } from '../../src/server/config.js';
import { createSwitchboard, type Switchboard } from '../../src/server/main.js';
import { createCatalogModule, type CatalogModule } from '../../src/server/modules/catalog/index.js';
import { createContentModule } from '../../src/server/modules/content/index.js';
import {
  createToken,
  createUser,
  createWorkspace,
  type Actor,
} from '../../src/server/platform/auth/index.js';
import { systemClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createWorker, mergeJobCatalogs, type Worker } from '../../src/server/platform/queue/index.js';
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
  const sb = await createSwitchboard({ config, clock: systemClock, logger: silentLogger(), roles: ['api'] });
  const catalog = createCatalogModule(sb);
  const content = createContentModule(sb);
  catalog.registerRoutes(sb.http);
  content.registerRoutes?.(sb.http);
  // Until main.ts wires the modules, their jobs run on a worker of their own (the api-only node has none).
  const worker: Worker = createWorker({
    db: sb.db,
    catalog: mergeJobCatalogs(catalog.jobs, ...(content.jobs ? [content.jobs] : [])),
    clock: systemClock,
    logger: silentLogger(),
    concurrency: 4,
  });
  await sb.start({ port: 0 });
  await worker.start();
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
      await worker.stop(2000);
      await sb.stop();
      dir.remove();
    },
  };
}
