/**
 * One Switchboard worker node for the ledger kill test:
 * `node --import tsx ledger-kill.worker.ts '<env as JSON>'`.
 *
 * It is the real composition root (`createSwitchboard`, role `worker`: the job worker, which runs
 * `delivery.attempt` / `delivery.reconcile`, and the event consumers, among them `deliveries.publish`), configured
 * from the env record it is given. It prints one JSON line `{"ready":true,"workerId":…,"pid":…}` once claiming, and
 * on SIGTERM stops gracefully and exits 0. Arguments, not env vars: only src/server/config.ts reads process.env.
 */
import { loadConfig } from '../../src/server/config.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createSwitchboard } from '../../src/server/main.js';

async function runWorkerNode(env: Record<string, string>): Promise<void> {
  const dataDir = env['SWITCHBOARD_DATA_DIR'];
  if (!dataDir) throw new Error('SWITCHBOARD_DATA_DIR is required');
  const config = loadConfig(env, dataDir);
  const sb = await createSwitchboard({ config, logger: silentLogger(), roles: ['worker'] });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void sb.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  });
  await sb.start({ port: 0 });
  process.stdout.write(JSON.stringify({ ready: true, workerId: sb.worker!.id, pid: process.pid }) + '\n');
}

const [envJson] = process.argv.slice(2);
if (!envJson) {
  console.error("usage: ledger-kill.worker.ts '<env as JSON>'");
  process.exit(2);
}
runWorkerNode(JSON.parse(envJson) as Record<string, string>).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
