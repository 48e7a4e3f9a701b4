/**
 * The benchmarked server in its own process, so the load generator never shares an event loop with the embedded
 * database (PGlite runs on the server's main thread). Prints one JSON line `{ baseUrl, token }` once listening;
 * stops on SIGTERM.
 */
import { startBenchServer } from './bench-server.js';

const server = await startBenchServer();
process.stdout.write(JSON.stringify({ baseUrl: server.baseUrl, token: server.token }) + '\n');
process.once('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
