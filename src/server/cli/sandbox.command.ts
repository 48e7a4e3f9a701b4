/**
 * `switchboard sandbox start [vendor…]`: starts vendor sandboxes (local emulators) and prints their base URLs and
 * the credentials they accept, then runs until interrupted. Nothing reaches a real vendor.
 */
import type { Command } from 'commander';
import { listSandboxVendors, startSandboxes, UnknownSandboxError } from '../modules/connections/index.js';
import type { CliContext } from './context.js';
import { UsageError } from './serve.command.js';

export function registerSandboxCommand(program: Command, ctx: CliContext): void {
  program
    .command('sandbox')
    .description('Vendor sandboxes (local emulators) for demos and tests')
    .command('start [vendors...]')
    .description(
      `Start sandboxes (${listSandboxVendors().join(', ')}; all by default) and print URLs and credentials`,
    )
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--json', 'machine-readable output')
    .option('--exit', 'stop right after printing (smoke tests)')
    .action(async (vendors: string[], opts: { host: string; json?: boolean; exit?: boolean }) => {
      const running = await startSandboxes(vendors, { host: opts.host }).catch((e: unknown) => {
        throw e instanceof UnknownSandboxError ? new UsageError(e.message) : e;
      });
      const rows = running.map((s) => ({
        vendor: s.vendor,
        baseUrl: s.url,
        credentials: s.credentials,
        config: s.config,
      }));
      if (opts.json) ctx.io.out(JSON.stringify(rows));
      else {
        for (const r of rows) {
          ctx.io.out(
            `${r.vendor} sandbox: ${r.baseUrl}\n  credentials: ${JSON.stringify(r.credentials)}\n  config: ${JSON.stringify(r.config)}\n` +
              `  add it: switchboard connections add --workspace <slug> --vendor ${r.vendor} --name "${r.vendor} sandbox" ` +
              `--sandbox --base-url ${r.baseUrl} --credentials '${JSON.stringify(r.credentials)}' --config '${JSON.stringify(r.config)}'`,
          );
        }
      }
      if (opts.exit) {
        await Promise.all(running.map((s) => s.close()));
        return;
      }
      ctx.io.out('sandboxes running; press Ctrl-C to stop');
      await new Promise<void>((resolve) => {
        const stop = () => {
          void Promise.all(running.map((s) => s.close())).then(() => resolve());
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
