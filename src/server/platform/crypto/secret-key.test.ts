import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSecretKey, SecretBox } from './secret-box.js';
import { keyFilePath, loadSecretBox, SecretKeyMissingError } from './secret-key.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'sb-key-'));

describe('loadSecretBox', () => {
  it('uses the configured key when set', () => {
    const key = generateSecretKey();
    const loaded = loadSecretBox({ secretKey: key, embedded: true, dataDir: tmp() });
    expect(loaded).toMatchObject({ source: 'config', generated: false, keyFile: null });
    expect(loaded.box.keyId).toBe(new SecretBox(key).keyId);
  });

  it('embedded without a key: generates <dataDir>/secret.key with 0600 once, then reuses it', () => {
    const dir = join(tmp(), 'nested');
    const first = loadSecretBox({ secretKey: null, embedded: true, dataDir: dir });
    expect(first.generated).toBe(true);
    const file = keyFilePath(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const second = loadSecretBox({ secretKey: null, embedded: true, dataDir: dir });
    expect(second.generated).toBe(false);
    expect(second.box.decrypt(first.box.encrypt('x'))).toBe('x');
  });

  it('tightens a key file readable by others to 0600', () => {
    const dir = tmp();
    writeFileSync(keyFilePath(dir), generateSecretKey().toString('hex'));
    chmodSync(keyFilePath(dir), 0o644);
    loadSecretBox({ secretKey: null, embedded: true, dataDir: dir });
    expect(statSync(keyFilePath(dir)).mode & 0o777).toBe(0o600);
  });

  it('PostgreSQL without a key fails with a message naming the setting', () => {
    const dir = tmp();
    expect(() => loadSecretBox({ secretKey: null, embedded: false, dataDir: dir })).toThrow(
      SecretKeyMissingError,
    );
    expect(() => loadSecretBox({ secretKey: null, embedded: false, dataDir: dir })).toThrow(
      /SWITCHBOARD_SECRET_KEY/,
    );
    expect(existsSync(keyFilePath(dir))).toBe(false);
  });

  it('loads a pending secret.key.next left by an interrupted rotation as an extra decrypt key', () => {
    const dir = tmp();
    const current = loadSecretBox({ secretKey: null, embedded: true, dataDir: dir });
    const next = generateSecretKey();
    writeFileSync(`${keyFilePath(dir)}.next`, next.toString('base64'), { mode: 0o600 });
    const reloaded = loadSecretBox({ secretKey: null, embedded: true, dataDir: dir });
    expect(reloaded.box.keyId).toBe(current.box.keyId);
    expect(reloaded.box.decrypt(new SecretBox(next).encrypt('after commit'))).toBe('after commit');
  });

  it('rejects a key file that does not hold 32 bytes', () => {
    const dir = tmp();
    writeFileSync(keyFilePath(dir), 'too-short', { mode: 0o600 });
    expect(() => loadSecretBox({ secretKey: null, embedded: true, dataDir: dir })).toThrow(/32-byte/);
  });
});
