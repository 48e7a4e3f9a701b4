import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedSession } from './embedded-session.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the embedded session', () => {
  it('creates a new WAL segment without zero-filling it (no 16 MB synchronous write on this thread)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-embedded-wal-'));
    dirs.push(dir);
    const session = await openEmbeddedSession({ dataDir: dir });
    try {
      expect((await session.query<{ wal_init_zero: string }>('SHOW wal_init_zero', [])).rows).toEqual([
        { wal_init_zero: 'off' },
      ]);
      await session.exec('CREATE TABLE t (v int); INSERT INTO t VALUES (1)');
      const before = new Set(readdirSync(join(dir, 'pg_wal')));
      // Ends the current segment; the next write needs a new one.
      await session.query('SELECT pg_switch_wal()', []);
      await session.exec('INSERT INTO t VALUES (2)');
      const created = readdirSync(join(dir, 'pg_wal')).filter(
        (f) => !before.has(f) && /^[0-9A-F]{24}$/.test(f),
      );
      expect(created.length).toBeGreaterThan(0);
      for (const f of created) {
        const st = statSync(join(dir, 'pg_wal', f));
        expect(st.size).toBe(16 * 1024 * 1024);
        // Zero-filled, it would occupy all 16 MB on disk; created sparse, only what was written.
        expect(st.blocks * 512).toBeLessThan(1024 * 1024);
      }
      // And the data written after the switch is there.
      expect((await session.query<{ n: number }>('SELECT count(*)::int AS n FROM t', [])).rows).toEqual([
        { n: 2 },
      ]);
    } finally {
      await session.close();
    }
  });
});
