/**
 * Child process for durability.test.ts (run with `node --import tsx`):
 *   commits <dataDir> <count> <sync:on|off>  → <count> sequential commits, then a clean close; prints "done".
 *   forever <dataDir>                         → commits until killed; prints each id once its commit resolved.
 */
import { join } from 'node:path';
import { sql } from 'kysely';
import { createDurabilityHook, openDatabase } from '../../src/server/platform/db/index.js';

const [mode, dataDir, countArg, syncArg] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: durability.child.ts <mode> <dataDir> …');
const sync = mode === 'forever' || syncArg === 'on';
const db = await openDatabase({
  dataDir,
  ...(sync ? { durability: createDurabilityHook({ pgDataDir: join(dataDir, 'pglite') }) } : {}),
});
const insert = (i: number) =>
  db.kysely.transaction().execute((tx) => sql`INSERT INTO probe (id) VALUES (${i})`.execute(tx));

if (mode === 'commits') {
  for (let i = 1; i <= Number(countArg); i++) await insert(i);
  await db.close();
  process.stdout.write('done\n');
} else {
  for (let i = 1; ; i++) {
    await insert(i);
    process.stdout.write(`${i}\n`);
  }
}
