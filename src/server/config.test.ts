import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './config.js';

const noFile = { SWITCHBOARD_CONFIG_FILE: '' };
const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));

describe('loadConfig', () => {
  it('applies defaults: port 3000, embedded database under ./data, all roles', () => {
    const c = loadConfig({ ...noFile }, dir);
    expect(c.port).toBe(3000);
    expect(c.embedded).toBe(true);
    expect(c.dataDir).toBe(join(dir, 'data'));
    expect(c.roles).toEqual(['api', 'worker', 'scheduler']);
    expect(c.publicUrl).toBe('http://localhost:3000');
  });

  it('honours the conventional PORT when SWITCHBOARD_PORT is unset, and SWITCHBOARD_PORT wins over it', () => {
    expect(loadConfig({ ...noFile, PORT: '8080' }, dir).port).toBe(8080);
    expect(loadConfig({ ...noFile, PORT: '8080', SWITCHBOARD_PORT: '9090' }, dir).port).toBe(9090);
  });

  it('names the variable and the problem for bad values', () => {
    const attempt = () =>
      loadConfig({ ...noFile, SWITCHBOARD_PORT: 'abc', SWITCHBOARD_LOG_LEVEL: 'loud' }, dir);
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (e) {
      const problems = (e as ConfigError).problems.map((p) => p.variable);
      expect(problems).toContain('SWITCHBOARD_PORT');
      expect(problems).toContain('SWITCHBOARD_LOG_LEVEL');
      expect((e as Error).message).toMatch(/SWITCHBOARD_PORT: must be a whole number/);
    }
  });

  it('names PORT when the conventional variable is the bad one', () => {
    expect(() => loadConfig({ ...noFile, PORT: '99999' }, dir)).toThrow(/PORT:/);
  });

  it('rejects a non-postgres DATABASE_URL and a short secret key without echoing secrets', () => {
    expect(() => loadConfig({ ...noFile, DATABASE_URL: 'mysql://x' }, dir)).toThrow(
      /DATABASE_URL: must start with postgres/,
    );
    try {
      loadConfig({ ...noFile, SWITCHBOARD_SECRET_KEY: 'tooshort-secret' }, dir);
      expect.fail('should throw');
    } catch (e) {
      expect((e as Error).message).toMatch(/SWITCHBOARD_SECRET_KEY/);
      expect((e as Error).message).not.toContain('tooshort-secret');
    }
  });

  it('requires bootstrap email and password together, and a 12+ character password', () => {
    expect(() => loadConfig({ ...noFile, SWITCHBOARD_BOOTSTRAP_EMAIL: 'a@b.co' }, dir)).toThrow(
      /set together/,
    );
    expect(() =>
      loadConfig(
        { ...noFile, SWITCHBOARD_BOOTSTRAP_EMAIL: 'a@b.co', SWITCHBOARD_BOOTSTRAP_PASSWORD: 'short' },
        dir,
      ),
    ).toThrow(/at least 12/);
  });

  it('parses roles and rejects unknown ones', () => {
    expect(loadConfig({ ...noFile, SWITCHBOARD_ROLES: 'worker, scheduler' }, dir).roles).toEqual([
      'worker',
      'scheduler',
    ]);
    expect(() => loadConfig({ ...noFile, SWITCHBOARD_ROLES: 'worker,cook' }, dir)).toThrow(
      /SWITCHBOARD_ROLES/,
    );
  });

  it('decodes a 32-byte key from hex or base64', () => {
    const key = Buffer.alloc(32, 1);
    expect(loadConfig({ ...noFile, SWITCHBOARD_SECRET_KEY: key.toString('hex') }, dir).secretKey).toEqual(
      key,
    );
    expect(loadConfig({ ...noFile, SWITCHBOARD_SECRET_KEY: key.toString('base64') }, dir).secretKey).toEqual(
      key,
    );
  });

  it('reads a dotenv config file; real environment variables win', () => {
    const file = join(dir, 'sb.env');
    writeFileSync(file, 'SWITCHBOARD_PORT=4000\nSWITCHBOARD_LOG_LEVEL=debug\n');
    const c = loadConfig({ SWITCHBOARD_CONFIG_FILE: file, SWITCHBOARD_LOG_LEVEL: 'warn' }, dir);
    expect(c.port).toBe(4000);
    expect(c.logLevel).toBe('warn');
    expect(() => loadConfig({ SWITCHBOARD_CONFIG_FILE: join(dir, 'missing.env') }, dir)).toThrow(
      /file not found/,
    );
  });

  it('redacts secrets and database passwords when describing the configuration', () => {
    const c = loadConfig(
      {
        ...noFile,
        DATABASE_URL: 'postgres://app:hunter2@db:5432/sb',
        SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 2).toString('hex'),
        SWITCHBOARD_BOOTSTRAP_EMAIL: 'owner@example.com',
        SWITCHBOARD_BOOTSTRAP_PASSWORD: 'correct horse battery',
      },
      dir,
    );
    const text = JSON.stringify(describeConfig(c));
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain(Buffer.alloc(32, 2).toString('hex'));
    expect(text).toContain('postgres://app:***@db:5432/sb');
  });
});
