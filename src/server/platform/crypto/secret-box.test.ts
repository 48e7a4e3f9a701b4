import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deriveKeyId, generateSecretKey, isSecretBoxError, SecretBox } from './secret-box.js';

const key = Buffer.alloc(32, 1);
const box = new SecretBox(key);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isSecretBoxError(e) ? e.code : 'OTHER';
  }
  return undefined;
}

describe('SecretBox', () => {
  it('round-trips any string, with a fresh IV each time', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => box.decrypt(box.encrypt(s)) === s));
    expect(box.encrypt('same')).not.toBe(box.encrypt('same'));
  });

  it('writes v1:<keyId>:<iv>:<tag>:<ct> with the key id of the current key', () => {
    const parts = box.encrypt('hello').split(':');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(deriveKeyId(key));
    expect(Buffer.from(parts[2]!, 'base64')).toHaveLength(12);
    expect(Buffer.from(parts[3]!, 'base64')).toHaveLength(16);
    expect(box.isCurrent(parts.join(':'))).toBe(true);
  });

  it('refuses tampered ciphertext, tag, IV or key id', () => {
    const sealed = box.encrypt('api-key-123');
    const [v, id, iv, tag, ct] = sealed.split(':') as [string, string, string, string, string];
    const flip = (b64: string) => {
      const b = Buffer.from(b64, 'base64');
      b[0] = b[0]! ^ 1;
      return b.toString('base64');
    };
    expect(codeOf(() => box.decrypt([v, id, iv, tag, flip(ct)].join(':')))).toBe('SECRET_DECRYPT_FAILED');
    expect(codeOf(() => box.decrypt([v, id, iv, flip(tag), ct].join(':')))).toBe('SECRET_DECRYPT_FAILED');
    expect(codeOf(() => box.decrypt([v, id, flip(iv), tag, ct].join(':')))).toBe('SECRET_DECRYPT_FAILED');
    expect(codeOf(() => box.decrypt([v, 'aaaaaaaaaaaa', iv, tag, ct].join(':')))).toBe('SECRET_KEY_UNKNOWN');
    expect(codeOf(() => box.decrypt('v2:' + sealed.slice(3)))).toBe('SECRET_FORMAT_INVALID');
    expect(codeOf(() => box.decrypt('plain text'))).toBe('SECRET_FORMAT_INVALID');
  });

  it('refuses a value sealed under another key, even one claiming our key id', () => {
    const other = new SecretBox(generateSecretKey());
    const sealed = other.encrypt('secret');
    expect(codeOf(() => box.decrypt(sealed))).toBe('SECRET_KEY_UNKNOWN');
    const forged = sealed.replace(other.keyId, box.keyId);
    expect(codeOf(() => box.decrypt(forged))).toBe('SECRET_DECRYPT_FAILED');
  });

  it('decrypts with older keys and encrypts with the current one (rotation)', () => {
    const oldBox = new SecretBox(key);
    const sealedOld = oldBox.encrypt('v');
    const newKey = generateSecretKey();
    const both = new SecretBox(newKey, [key]);
    expect(both.decrypt(sealedOld)).toBe('v');
    expect(both.isCurrent(sealedOld)).toBe(false);
    const sealedNew = both.encrypt('v');
    expect(both.isCurrent(sealedNew)).toBe(true);
    expect(codeOf(() => oldBox.decrypt(sealedNew))).toBe('SECRET_KEY_UNKNOWN');
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow(RangeError);
  });
});
