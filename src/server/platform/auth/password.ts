/**
 * Password hashing with scrypt from node:crypto (DESIGN §7). Stored as `scrypt$N$r$p$salt$hash` (salt and hash
 * base64), so parameters can be raised later: `verifyPassword` reports `needsRehash` for hashes made with weaker
 * parameters, and login re-hashes them transparently.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ValidationError } from '../errors/index.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** ~32 MiB and tens of milliseconds per hash: OWASP's scrypt baseline is N=2^17 r=8; 2^15 keeps login snappy on small boxes. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const KEY_LEN = 32;
const SALT_LEN = 16;
export const PASSWORD_MIN_LENGTH = 12;
/** Bounds work per login attempt and rejects absurd inputs. */
export const PASSWORD_MAX_LENGTH = 1024;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFKC'), salt, KEY_LEN, opts, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Throws VALIDATION_FAILED unless the password meets the length policy. */
export function assertPasswordPolicy(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw new ValidationError(`Password must be at least ${PASSWORD_MIN_LENGTH} characters`, {
      field: 'password',
    });
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new ValidationError(`Password must be at most ${PASSWORD_MAX_LENGTH} characters`, {
      field: 'password',
    });
  }
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const hash = await scrypt(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export interface PasswordCheck {
  ok: boolean;
  /** True when the stored hash used weaker parameters than `params`; re-hash after a successful login. */
  needsRehash: boolean;
}

/** Constant-time comparison; a malformed stored hash never matches. */
export async function verifyPassword(
  password: string,
  stored: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<PasswordCheck> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return { ok: false, needsRehash: false };
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return { ok: false, needsRehash: false };
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length !== KEY_LEN || password.length > PASSWORD_MAX_LENGTH)
    return { ok: false, needsRehash: false };
  const actual = await scrypt(password, salt, { N, r, p });
  const ok = timingSafeEqual(actual, expected);
  return { ok, needsRehash: ok && (N < params.N || r < params.r || p < params.p) };
}

/**
 * A real hash of a random password, verified against when the email is unknown, so "no such user" takes as long
 * as "wrong password" and response time does not reveal which accounts exist.
 */
const dummyHashes = new Map<string, Promise<string>>();
export function verifyAgainstDummy(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<PasswordCheck> {
  const key = `${params.N}:${params.r}:${params.p}`;
  let hash = dummyHashes.get(key);
  if (!hash) dummyHashes.set(key, (hash = hashPassword(randomBytes(16).toString('hex'), params)));
  return hash.then((h) => verifyPassword(password, h, params));
}
