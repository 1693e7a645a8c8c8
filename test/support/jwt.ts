/** Hand-made JWTs for tests: any header, any payload, any signature, no library checks in the way. */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';

export const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A JWT whose signature is HMAC-SHA-`bits` over the encoded header and payload, with `secret` (any bytes). */
export function hmacJwt(header: object, payload: unknown, secret: string | Buffer, bits: 256 | 384 | 512 = 256): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac(`sha${bits}`, secret).update(input).digest('base64url')}`;
}

/** A JWT with no signature at all (`alg` of your choice, typically "none"). */
export function unsignedJwt(header: object, payload: unknown): string {
  return `${b64url(header)}.${b64url(payload)}.`;
}

/** Signs with jsonwebtoken and a private key (RS/ES/PS), setting `kid` when given. */
export function signWith(payload: object, key: KeyObject | string, algorithm: jwt.Algorithm, kid?: string): string {
  return jwt.sign(payload, key, { algorithm, ...(kid ? { keyid: kid } : {}) });
}

export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
}

export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

export type PemPair = { privateKey: KeyObject; publicKey: KeyObject; privatePem: string; publicPem: string };

/** A fresh key pair as PEM (PKCS#8 / SPKI). */
export function pemPair(kind: 'rsa' | 'ec', option: number | string = kind === 'rsa' ? 2048 : 'prime256v1'): PemPair {
  const { privateKey, publicKey } =
    kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: option as number }) : generateKeyPairSync('ec', { namedCurve: option as string });
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
  };
}

const sharedPairs = new Map<string, PemPair>();

/** Stored RSA-2048 pairs, one per slot (`rsa-2048-<slot>.pem`): test keys, used nowhere else. */
const STORED_KEYS = join(__dirname, '..', '..', '..', 'test', 'support', 'keys');

/** The stored pair of an RSA-2048 slot, or null when the slot has none. */
function storedPair(kind: 'rsa' | 'ec', option: number | string, slot: number): PemPair | null {
  const file = join(STORED_KEYS, `rsa-2048-${slot}.pem`);
  if (kind !== 'rsa' || option !== 2048 || !existsSync(file)) return null;
  const privatePem = readFileSync(file, 'utf8');
  const privateKey = createPrivateKey(privatePem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, privatePem, publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string };
}

/**
 * A key pair made once per process and handed to every caller asking for the same kind,
 * option and `slot`: a 2048-bit RSA pair costs 0.4 to 1.2 s of CPU to make, and a test that
 * needs a key of some kind seldom needs one no other test has used (keys are only read).
 * Ask for different slots where keys must differ (a current, a retired and a stranger's).
 * RSA-2048 slots 0 to 2 are read from test/support/keys/ instead of made; the others are
 * made (`pemPair`). Tests that need a key no other test has seen use `pemPair`.
 */
export function sharedPair(kind: 'rsa' | 'ec', option: number | string = kind === 'rsa' ? 2048 : 'prime256v1', slot = 0): PemPair {
  const name = `${kind}:${option}:${slot}`;
  let pair = sharedPairs.get(name);
  if (!pair) sharedPairs.set(name, (pair = storedPair(kind, option, slot) ?? pemPair(kind, option)));
  return pair;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims a Gatehouse access token for `sub` would have (valid for five minutes). */
export function accessClaims(sub: string, username: string, extra: Record<string, unknown> = {}) {
  const now = nowSeconds();
  return { sub, username, iat: now, exp: now + 300, orig_iat: now, jti: `j${now}`, token_type: 'access', ...extra };
}
