/**
 * RSA key pairs made once and kept in test/support/keys/ (test keys, never used anywhere
 * else), for suites that need a key the server does not know or an RS256 server key but
 * not a fresh one: generating a 2048-bit pair costs 0.2–1 s of CPU each time (measured in
 * the hostile suite's profile: 10 % of its argument suite's CPU for one pair). Suites that
 * test key handling itself (key rotation, JWKS) keep generating their own with `pemPair`.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FOLDER = join(__dirname, '..', '..', '..', 'test', 'support', 'keys');

export interface StoredKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The private key as PKCS#8 PEM, as JWT_PRIVATE_KEY takes it. */
  privatePem: string;
}

/** Stored RSA-2048 pair number `n` (1 or 2: two distinct keys). */
export function storedRsaPair(n: 1 | 2): StoredKeyPair {
  const privatePem = readFileSync(join(FOLDER, `rsa-2048-${n}.pem`), 'utf8');
  const privateKey = createPrivateKey(privatePem);
  return { privateKey, publicKey: createPublicKey(privateKey), privatePem };
}
