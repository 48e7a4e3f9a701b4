import { describe, expect, it } from 'vitest';
import { assertPasswordPolicy, hashPassword, verifyPassword } from './password.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('passwords', () => {
  it('hashes as scrypt$N$r$p$salt$hash with a random salt and verifies', async () => {
    const a = await hashPassword('correct horse battery', FAST);
    const b = await hashPassword('correct horse battery', FAST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a, FAST)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword('correct horse batterY', a, FAST)).toEqual({ ok: false, needsRehash: false });
  });

  it('asks for a rehash when the stored parameters are weaker than the current ones', async () => {
    const weak = await hashPassword('correct horse battery', { N: 512, r: 8, p: 1 });
    expect(await verifyPassword('correct horse battery', weak, FAST)).toEqual({
      ok: true,
      needsRehash: true,
    });
    expect(await verifyPassword('wrong horse battery', weak, FAST)).toEqual({
      ok: false,
      needsRehash: false,
    });
  });

  it('never matches malformed stored hashes', async () => {
    for (const stored of [
      '',
      'plain',
      'scrypt$x$8$1$AA==$AA==',
      'bcrypt$1$2$3$4$5',
      'scrypt$1024$8$1$AA==$AA==',
    ]) {
      expect((await verifyPassword('anything at all', stored, FAST)).ok).toBe(false);
    }
  });

  it('treats canonically equivalent Unicode passwords as the same (NFKC)', async () => {
    const h = await hashPassword('pa\u0073\u0301word-long-enough', FAST);
    expect((await verifyPassword('pa\u015Bword-long-enough', h, FAST)).ok).toBe(true);
  });

  it('enforces 12 to 1024 characters', () => {
    expect(() => assertPasswordPolicy('elevenchars')).toThrow(/at least 12/);
    expect(() => assertPasswordPolicy('x'.repeat(1025))).toThrow(/at most 1024/);
    expect(() => assertPasswordPolicy('twelve chars')).not.toThrow();
  });
});
