/**
 * The CLI end to end, in-process: real commands against a real database (a file-backed embedded one, or the test
 * PostgreSQL database), checking output and the exit-code convention (0 ok, 1 error, 2 usage).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/server/cli/program.js';
import { recordAudit } from '../../src/server/platform/audit/index.js';
import { systemActor } from '../../src/server/platform/auth/index.js';
import { openDatabase } from '../../src/server/platform/db/index.js';
import type { TestDb } from '../support/test-db.js';
import { cliRunner, cliTestDatabase } from '../support/cli-runner.js';

describe('switchboard CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
  let pg: TestDb | null = null;
  const env: Record<string, string> = {
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_CONFIG_FILE: '',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
  };

  beforeAll(async () => {
    pg = await cliTestDatabase(env);
  });
  afterAll(async () => {
    await pg?.close();
  });

  const run = cliRunner(env, dataDir);

  it('prints help for every command with exit 0, and exits 2 on usage errors', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    for (const cmd of [
      'serve',
      'migrate',
      'config',
      'workspace',
      'user',
      'token',
      'jobs',
      'audit',
      'backup',
      'restore',
      'secrets',
    ]) {
      expect(help.out).toContain(cmd);
    }
    expect((await run('jobs', 'list', '--help')).code).toBe(0);
    expect((await run('no-such-command')).code).toBe(2);
    expect((await run('user', 'create', '--email', 'x@y.z')).code).toBe(2); // missing required options
    expect((await run('user', 'create', '--email', 'x@y.z', '--workspace', 'w', '--role', 'king')).code).toBe(
      2,
    );
  });

  it('exits 1 with the variable named on bad configuration', async () => {
    const out: string[] = [];
    const code = await runCli(['config'], {
      io: { out: () => {}, err: (s) => out.push(s) },
      env: { ...env, SWITCHBOARD_PORT: 'x' },
      cwd: dataDir,
    });
    expect(code).toBe(1);
    expect(out.join('\n')).toContain('SWITCHBOARD_PORT');
  });

  it('migrates, then reports every migration applied', async () => {
    expect((await run('migrate')).code).toBe(0);
    const status = await run('migrate', '--status', '--json');
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.out) as { state: string }[];
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.every((r) => r.state === 'applied')).toBe(true);
  });

  it('creates and lists workspaces, users and tokens; a token never exceeds its owner’s role', async () => {
    expect((await run('workspace', 'create', '--slug', 'acme', '--name', 'Acme')).code).toBe(0);
    const list = JSON.parse((await run('workspace', 'list', '--json')).out) as { slug: string }[];
    expect(list.map((w) => w.slug)).toContain('acme');

    const created = await run(
      'user',
      'create',
      '--email',
      'ed@acme.test',
      '--workspace',
      'acme',
      '--role',
      'editor',
      '--json',
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out).oneTimePassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const users = JSON.parse((await run('user', 'list', '--workspace', 'acme', '--json')).out) as {
      email: string;
      role: string;
    }[];
    expect(users).toEqual([expect.objectContaining({ email: 'ed@acme.test', role: 'editor' })]);

    const tooHigh = await run(
      'token',
      'create',
      '--user',
      'ed@acme.test',
      '--workspace',
      'acme',
      '--name',
      'x',
      '--role',
      'admin',
    );
    expect(tooHigh.code).toBe(1);
    expect(tooHigh.err).toContain('ROLE_TOO_HIGH');
    const token = await run(
      'token',
      'create',
      '--user',
      'ed@acme.test',
      '--workspace',
      'acme',
      '--name',
      'ci',
      '--json',
    );
    expect(token.code).toBe(0);
    expect(JSON.parse(token.out).token).toMatch(/^sb_/);
    const tokens = JSON.parse((await run('token', 'list', '--workspace', 'acme', '--json')).out) as {
      name: string;
    }[];
    expect(tokens.map((t) => t.name)).toEqual(['ci']);
    expect((await run('user', 'list', '--workspace', 'nope')).code).toBe(1);
  });

  it('shows queue stats and refuses to cancel an unknown job', async () => {
    expect((await run('jobs', 'stats', '--json')).code).toBe(0);
    const cancel = await run('jobs', 'cancel', '999999');
    expect(cancel.code).toBe(1);
    expect(cancel.err).toMatch(/NOT_FOUND|not found/i);
  });

  it('audit verify exits 0 on an intact chain and 1 naming the first altered entry', async () => {
    const db = await openDatabase({ url: env.DATABASE_URL ?? null, dataDir });
    let tampered: { seq: number; id: string };
    try {
      const ws = await db.kysely
        .selectFrom('workspaces')
        .select('id')
        .where('slug', '=', 'acme')
        .executeTakeFirstOrThrow();
      const actor = systemActor(ws.id, 'cli');
      for (let i = 0; i < 3; i++) {
        await db.kysely
          .transaction()
          .execute((tx) => recordAudit(tx, actor, { action: 'test.step', subject: `s${i}`, after: { i } }));
      }
      const row = await db.kysely
        .selectFrom('audit_log')
        .select(['seq', 'id'])
        .where('workspace_id', '=', ws.id)
        .orderBy('seq')
        .offset(1)
        .limit(1)
        .executeTakeFirstOrThrow();
      tampered = { seq: Number(row.seq), id: String(row.id) };
    } finally {
      await db.close();
    }
    const ok = await run('audit', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/intact: 3 entries/);

    const db2 = await openDatabase({ url: env.DATABASE_URL ?? null, dataDir });
    try {
      // The table refuses UPDATEs; an attacker with database access can still disable the trigger, which is what
      // the hash chain is for.
      await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(db2.kysely);
      await sql`UPDATE audit_log SET after = '{"i": 99}'::jsonb WHERE id = ${tampered.id}`.execute(
        db2.kysely,
      );
      await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(db2.kysely);
    } finally {
      await db2.close();
    }
    const broken = await run('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.err).toContain(`seq ${tampered.seq}`);
    expect(broken.err).toContain(tampered.id);
  });

  it('backs up and restores the embedded database (PostgreSQL: points to pg_dump)', async () => {
    const file = join(dataDir, 'backup.sbk');
    const backup = await run('backup', file);
    if (env.DATABASE_URL) {
      expect(backup.code).toBe(1);
      expect(backup.err).toContain('pg_dump');
      return;
    }
    expect(backup.code).toBe(0);
    expect((await run('workspace', 'create', '--slug', 'later')).code).toBe(0);
    expect((await run('restore', file)).code).toBe(1); // refuses without --force
    const restored = await run('restore', file, '--force');
    expect(restored.code).toBe(0);
    const slugs = (JSON.parse((await run('workspace', 'list', '--json')).out) as { slug: string }[]).map(
      (w) => w.slug,
    );
    expect(slugs).toContain('acme');
    expect(slugs).not.toContain('later');
  });
});
