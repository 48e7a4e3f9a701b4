/**
 * The benchmarked server for `npm run bench -- webhooks`, in its own process (the load generator must not share
 * the embedded database's event loop): a real Switchboard on the embedded database (file-backed PGlite, fsync hook
 * on, every role, as `npm start` runs it) on 127.0.0.1:0, with one generic HMAC inbound endpoint.
 *
 * Talks to its parent over IPC: sends `{ ready, baseUrl, endpointId, secret }` once listening; answers
 * `{ cmd: 'count' }` with the stored and processed inbound rows (the database is single-process, so the parent
 * cannot read it itself); stops on `{ cmd: 'stop' }`.
 */
import { sql } from 'kysely';
import { loadConfig } from '../../src/server/config.js';
import { createSwitchboard } from '../../src/server/main.js';
import { createWorkspace, systemActor } from '../../src/server/platform/auth/index.js';
import { systemClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import type { WebhooksModule } from '../../src/server/modules/webhooks/index.js';
import { createTempDir } from '../support/scratch-db.js';

const SECRET = 'bench-shared-hmac-secret';
const dir = createTempDir('sb-bench-webhooks-');
const config = loadConfig(
  {
    SWITCHBOARD_DATA_DIR: dir.path,
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_HOST: '127.0.0.1',
    SWITCHBOARD_CONFIG_FILE: '',
    SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
  },
  dir.path,
);
const sb = await createSwitchboard({ config, clock: systemClock, logger: silentLogger() });
const webhooks = sb.modules.find((m) => m.name === 'webhooks') as WebhooksModule | undefined;
if (!webhooks) throw new Error('the webhooks module is not wired (src/server/modules.ts)');
await sb.start({ port: 0 });
const address = sb.http.server.address();
if (!address || typeof address === 'string') throw new Error('not listening on a TCP port');
const ws = await createWorkspace(sb.db.kysely, { slug: 'bench', name: 'Bench' });
const { endpoint } = await webhooks.services.createEndpoint(systemActor(ws.id, 'cli'), {
  name: 'bench',
  scheme: 'hmac_sha256',
  signatureHeader: 'x-bench-signature',
  secret: SECRET,
});

process.send!({
  ready: true,
  baseUrl: `http://127.0.0.1:${address.port}`,
  endpointId: endpoint.id,
  secret: SECRET,
});
process.on('message', (m: { cmd: string }) => {
  void (async () => {
    if (m.cmd === 'count') {
      const r = await sql<{ stored: string; processed: string; pending_jobs: string }>`
        SELECT (SELECT count(*) FROM inbound_webhooks)::text AS stored,
               (SELECT count(*) FROM inbound_webhooks WHERE status = 'processed')::text AS processed,
               (SELECT count(*) FROM jobs WHERE name = 'webhooks.process_inbound' AND state IN ('pending', 'running'))::text AS pending_jobs`.execute(
        sb.db.kysely,
      );
      const row = r.rows[0]!;
      process.send!({
        count: {
          stored: Number(row.stored),
          processed: Number(row.processed),
          pendingJobs: Number(row.pending_jobs),
        },
      });
    } else if (m.cmd === 'stop') {
      await sb.stop();
      dir.remove();
      process.exit(0);
    }
  })();
});
