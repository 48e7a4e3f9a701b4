/**
 * `SecretBox`: AES-256-GCM for credentials at rest (DESIGN §7).
 *
 * Ciphertext format: `v1:<keyId>:<iv>:<tag>:<ct>` (iv, tag and ct base64). The key id is the first 12 hex digits
 * of sha256(key): it names which key sealed a value, so a box can hold the current key plus older ones during a
 * rotation and always knows which to use, and a wrong key fails with a clear error instead of a bare GCM failure.
 * A fresh random 96-bit IV per value; GCM's tag makes any tampering fail decryption.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors/index.js';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Decrypting failed: unknown key, malformed value, or the value was altered. Never includes the plaintext. */
export class SecretBoxError extends AppError {
  constructor(
    code: 'SECRET_FORMAT_INVALID' | 'SECRET_KEY_UNKNOWN' | 'SECRET_DECRYPT_FAILED',
    message: string,
    details?: unknown,
  ) {
    super(code, 500, message, details);
    this.name = 'SecretBoxError';
  }
}

export function isSecretBoxError(e: unknown): e is SecretBoxError {
  return e instanceof SecretBoxError;
}

/** Short, non-secret identifier of a key. */
export function deriveKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** A new random 32-byte key. */
export function generateSecretKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  /** Id of the key new values are sealed with. */
  readonly keyId: string;

  /**
   * @param current the key used to encrypt
   * @param older keys that may still decrypt values sealed before a rotation finished
   */
  constructor(current: Buffer, older: readonly Buffer[] = []) {
    for (const key of [current, ...older]) {
      if (key.length !== KEY_BYTES)
        throw new RangeError(`SecretBox keys must be ${KEY_BYTES} bytes, got ${key.length}`);
      const id = deriveKeyId(key);
      if (!this.keys.has(id)) this.keys.set(id, Buffer.from(key));
    }
    this.keyId = deriveKeyId(current);
  }

  encrypt(plaintext: string): string {
    const key = this.keys.get(this.keyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.keyId, iv.toString('base64'), tag.toString('base64'), ct.toString('base64')].join(
      ':',
    );
  }

  decrypt(sealed: string): string {
    const parts = sealed.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new SecretBoxError('SECRET_FORMAT_INVALID', 'Encrypted value is not in the v1 format');
    }
    const [, keyId, ivText, tagText, ctText] = parts as [string, string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretBoxError(
        'SECRET_KEY_UNKNOWN',
        `Encrypted value was sealed with key ${keyId}, which is not loaded (wrong SWITCHBOARD_SECRET_KEY?)`,
        { keyId },
      );
    }
    const iv = Buffer.from(ivText, 'base64');
    const tag = Buffer.from(tagText, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError('SECRET_FORMAT_INVALID', 'Encrypted value has a malformed IV or tag');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretBoxError(
        'SECRET_DECRYPT_FAILED',
        'Encrypted value failed authentication (altered or corrupt)',
        {
          keyId,
        },
      );
    }
  }

  /** True when `sealed` is already under the current key (rotation skips it). */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${VERSION}:${this.keyId}:`);
  }
}
