/**
 * `switchboard content …` and `switchboard workflow …` in-process against a real database (file-backed embedded,
 * or the test PostgreSQL database), including `--expect-version` conflicts. The commands are registered on their
 * own program here until the lead adds `registerContentCommands` to program.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerContentCommands } from '../../src/server/cli/content.command.js';
import { runCli } from '../../src/server/cli/program.js';
import { isAppError } from '../../src/server/platform/errors/index.js';
import { LEGAL_REVIEW_WORKFLOW } from '../../src/server/modules/content/workflow/legal-review.fixture.js';
import type { TestDb } from '../support/test-db.js';
import { cliTestDatabase } from '../support/cli-runner.js';

describe('switchboard content / workflow CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-content-cli-'));
  let pg: TestDb | null = null;
  const env: Record<string, string> = {
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_CONFIG_FILE: '',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
  };
  const ctxFor = (out: string[], err: string[]) => ({
    io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) },
    env,
    cwd: dataDir,
  });

  beforeAll(async () => {
    pg = await cliTestDatabase(env);
    const out: string[] = [];
    const err: string[] = [];
    expect(await runCli(['workspace', 'create', '--slug', 'cli-ws'], ctxFor(out, err)), err.join()).toBe(0);
    for (const role of ['editor', 'reviewer', 'publisher']) {
      const args = ['user', 'create', '--email', `${role}@cli.test`, '--workspace', 'cli-ws', '--role', role];
      expect(
        await runCli([...args, '--password', 'a long enough password'], ctxFor(out, err)),
        err.join(),
      ).toBe(0);
    }
  });
  afterAll(async () => {
    await pg?.close();
  });

  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command('switchboard').exitOverride();
    registerContentCommands(program, ctxFor(out, err));
    let code = 0;
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (e) {
      if (!isAppError(e)) throw e;
      err.push(`error [${e.code}]: ${e.message}`);
      code = 1;
    }
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const as = (role: string) => ['--workspace', 'cli-ws', '--as', `${role}@cli.test`];

  it('creates, edits with --expect-version, transitions, shows history and rolls back', async () => {
    const created = await run(
      'content',
      'create',
      ...as('editor'),
      '--type',
      'blog_post',
      '--title',
      'From the CLI',
      '--slug',
      'from-cli',
      '--body',
      'Hello from https://example.com',
      '--json',
    );
    expect(created.code, created.err).toBe(0);
    const id = JSON.parse(created.out).item.id as string;

    const edited = await run(
      'content',
      'edit',
      id,
      ...as('editor'),
      '--expect-version',
      '1',
      '--body',
      'Edited.',
    );
    expect(edited.out).toContain('version 2, content v2');
    const stale = await run(
      'content',
      'edit',
      id,
      ...as('editor'),
      '--expect-version',
      '1',
      '--body',
      'Stale.',
    );
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('CONTENT_VERSION_CONFLICT');

    expect(
      (await run('content', 'transition', id, 'submit', ...as('editor'), '--expect-version', '2')).out,
    ).toContain('now review, version 3');
    const ownApproval = await run(
      'content',
      'transition',
      id,
      'approve',
      ...as('editor'),
      '--expect-version',
      '3',
    );
    expect(ownApproval.err).toContain('TRANSITION_FORBIDDEN');
    await run('content', 'transition', id, 'approve', ...as('reviewer'), '--expect-version', '3');
    const rolled = await run(
      'content',
      'rollback',
      id,
      'draft',
      ...as('publisher'),
      '--reason',
      'not yet',
      '--expect-version',
      '4',
    );
    expect(rolled.out).toContain('rolled back to draft, version 5');

    const history = await run('content', 'history', id, '--workspace', 'cli-ws', '--json');
    expect(JSON.parse(history.out).transitions.map((t: { action: string }) => t.action)).toEqual([
      'submit',
      'approve',
      'rollback',
    ]);
    const list = await run('content', 'list', '--workspace', 'cli-ws', '--state', 'draft');
    expect(list.out).toContain('from-cli');
    expect((await run('content', 'show', id, '--workspace', 'cli-ws')).out).toContain('Edited.');
  });

  it('workflow apply validates a JSON file and stores a new version; show prints it', async () => {
    const file = join(dataDir, 'legal.json');
    writeFileSync(file, JSON.stringify(LEGAL_REVIEW_WORKFLOW));
    const broken = join(dataDir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ ...LEGAL_REVIEW_WORKFLOW, states: [] }));
    const refused = await run('workflow', 'apply', broken, '--workspace', 'cli-ws');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('WORKFLOW_DEFINITION_INVALID');
    expect((await run('workflow', 'apply', file, '--workspace', 'cli-ws')).out).toBe(
      'applied workflow legal_review version 1',
    );
    const shown = await run('workflow', 'show', 'legal_review', '--workspace', 'cli-ws');
    expect(JSON.parse(shown.out).states.map((s: { key: string }) => s.key)).toContain('legal_review');
    expect((await run('workflow', 'show', '--workspace', 'cli-ws')).out).toMatch(/default\s+1/);
  });
});
