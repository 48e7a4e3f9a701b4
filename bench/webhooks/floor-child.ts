/**
 * The floor of `npm run bench -- webhooks`: a bare `node:http` server in its own process that reads each request
 * body and answers 200 with a small JSON body — no framework, no verification, no database. The same generator
 * against it shows what the harness itself costs on this box, so the real server's figures can be read against it.
 *
 * IPC like server-child.ts: `{ ready, baseUrl, endpointId, secret }` once listening; exits on `{ cmd: 'stop' }`.
 */
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":null,"status":"received"}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('not listening on a TCP port');
  process.send!({
    ready: true,
    baseUrl: `http://127.0.0.1:${address.port}`,
    endpointId: 'floor',
    secret: 'floor',
  });
});
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'stop') server.close(() => process.exit(0));
});
