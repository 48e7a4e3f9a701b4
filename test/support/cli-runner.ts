/** Runs the CLI in-process with captured output, the way the CLI tests call it. */
import { runCli } from '../../src/server/cli/program.js';
import { createTestDb, type TestDb } from './test-db.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** A `run(...argv)` bound to an environment (read at each call, so tests may change it) and working directory. */
export function cliRunner(
  env: Record<string, string>,
  cwd: string,
): (...argv: string[]) => Promise<CliResult> {
  return async (...argv) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { io: { out: (s) => out.push(s), err: (s) => err.push(s) }, env, cwd });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
}

/**
 * The database a CLI test's commands use: on PostgreSQL (TEST_DATABASE_URL) a cloned database whose URL is put in
 * `env.DATABASE_URL` (close it after the tests); embedded, null — the commands open the data directory in `env`.
 */
export async function cliTestDatabase(env: Record<string, string>): Promise<TestDb | null> {
  const t = await createTestDb();
  if (!t.url) {
    await t.close();
    return null;
  }
  env.DATABASE_URL = t.url;
  return t;
}
