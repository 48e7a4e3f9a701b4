/**
 * Where the credential key comes from (DESIGN §7):
 * - `config.secretKey` (SWITCHBOARD_SECRET_KEY) when set;
 * - otherwise, embedded mode only: `<dataDir>/secret.key`, generated on first run with 0600 permissions;
 * - otherwise (PostgreSQL without a key): refuse to boot. Several processes share one database, so a key generated
 *   on one machine would make the others unable to read credentials.
 *
 * A `secret.key.next` left by an interrupted rotation is loaded as an extra decrypt key, so no value becomes
 * unreadable whichever side of the rotation's commit the interruption happened.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeKey } from '../../config.js';
import { generateSecretKey, SecretBox } from './secret-box.js';

export const KEY_FILE_NAME = 'secret.key';

export interface SecretKeySource {
  /** Decoded key from config, or null. */
  secretKey: Buffer | null;
  /** True when using the embedded database. */
  embedded: boolean;
  dataDir: string;
}

export interface LoadedSecretKey {
  box: SecretBox;
  /** Where the key lives: `config`, or the key file path. */
  source: 'config' | string;
  /** True when this call generated the key file. */
  generated: boolean;
  /** Key file path in embedded mode (rotation writes here); null when the key comes from config. */
  keyFile: string | null;
}

export class SecretKeyMissingError extends Error {
  constructor() {
    super(
      'SWITCHBOARD_SECRET_KEY is required with PostgreSQL (DATABASE_URL): every process must use the same key to ' +
        'read stored credentials. Generate one with `openssl rand -base64 32` and set it on all processes.',
    );
    this.name = 'SecretKeyMissingError';
  }
}

export function keyFilePath(dataDir: string): string {
  return join(dataDir, KEY_FILE_NAME);
}

/** Loads (or, embedded and absent, generates) the key and returns a SecretBox over it. */
export function loadSecretBox(source: SecretKeySource): LoadedSecretKey {
  if (source.secretKey)
    return { box: new SecretBox(source.secretKey), source: 'config', generated: false, keyFile: null };
  if (!source.embedded) throw new SecretKeyMissingError();
  const file = keyFilePath(source.dataDir);
  let generated = false;
  if (!existsSync(file)) generated = createKeyFile(file, generateSecretKey());
  const key = readKeyFile(file);
  const next = `${file}.next`;
  const older = existsSync(next) ? [readKeyFile(next)] : [];
  return { box: new SecretBox(key, older), source: file, generated, keyFile: file };
}

/** Reads a key file (base64 or hex text), tightening permissions to 0600 if they are wider. */
export function readKeyFile(file: string): Buffer {
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const key = decodeKey(readFileSync(file, 'utf8').trim());
  if (!key) throw new Error(`${file} does not hold a 32-byte key (base64 or hex)`);
  return key;
}

/** Creates the key file exclusively; false when another starter created it first (then theirs is used). */
function createKeyFile(file: string, key: Buffer): boolean {
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Writes `key` to `<file>.next` (0600), the first step of a rotation. */
export function writePendingKeyFile(file: string, key: Buffer): string {
  const next = `${file}.next`;
  writeFileSync(next, key.toString('base64') + '\n', { mode: 0o600 });
  chmodSync(next, 0o600);
  return next;
}

/** Makes the pending key current (atomic rename), the last step of a rotation. */
export function promotePendingKeyFile(file: string): void {
  renameSync(`${file}.next`, file);
}
