#!/usr/bin/env node
// The `switchboard` command. Runs the compiled CLI; `npm install` builds it (prepare), `npm start` rebuilds it when stale.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'server', 'cli', 'main.js');
if (!existsSync(entry)) {
  console.error(
    'switchboard: the build is missing. Run `npm run build` (or `npm install`) in the Switchboard folder.',
  );
  process.exit(1);
}
await import(pathToFileURL(entry).href);
