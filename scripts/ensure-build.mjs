// Rebuilds what is stale, so `npm start` always runs current code: the server (dist/server) when it is missing or
// older than any server or contract source, and the web app (dist/web) when it is missing or older than any web or
// contract source or the Vite config. `--web` checks only the web app (the browser tests use it).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const webOnly = process.argv.includes('--web');

function newestMtime(dir, pattern) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, pattern));
    else if (pattern.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function run(script, label) {
  console.log(label);
  const result = spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const contracts = newestMtime(join(root, 'src', 'contracts'), /\.ts$/);

if (!webOnly) {
  const built = mtime(join(root, 'dist', 'server', 'cli', 'main.js'));
  const sources = Math.max(
    newestMtime(join(root, 'src', 'server'), /\.ts$/),
    contracts,
    mtime(join(root, 'tsconfig.json')),
    mtime(join(root, 'tsconfig.build.json')),
  );
  if (built < sources)
    run(
      'build:server',
      built ? 'Server sources changed since the last build; rebuilding…' : 'No server build found; building…',
    );
}

const webBuilt = mtime(join(root, 'dist', 'web', 'index.html'));
const webSources = Math.max(
  newestMtime(join(root, 'src', 'web'), /\.(tsx?|css|html)$/),
  contracts,
  // The web app re-exports the workflow schema from the server.
  newestMtime(join(root, 'src', 'server', 'modules', 'content', 'workflow'), /\.ts$/),
  mtime(join(root, 'vite.config.ts')),
);
if (webBuilt < webSources)
  run(
    'build:web',
    webBuilt ? 'Web app sources changed since the last build; rebuilding…' : 'No web build found; building…',
  );
