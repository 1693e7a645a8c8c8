import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Algorithm, type Settings, SettingsError } from '../settings';
import { readPem, readPublicKeys } from './pem';
import { sha256 } from '../util/sha256';

/** The keys access tokens are signed and verified with. Always `KeyObject`s, never strings. */
export interface TokenKeys {
  readonly algorithm: Algorithm;
  readonly signingKey: KeyObject;
  /** The key matching `signingKey` (the secret itself for HMAC). */
  readonly verificationKey: KeyObject;
  /** Key id put in the JWT header; the RFC 7638 thumbprint of the public key (asymmetric only). */
  readonly kid: string | undefined;
  /**
   * Asymmetric only: every public key a token may name in its `kid`: the current one and
   * the retired ones of `JWT_PUBLIC_KEYS`. Empty for HMAC (one secret, no `kid`).
   */
  readonly verificationKeys: ReadonlyMap<string, KeyObject>;
}

export function isHmac(algorithm: Algorithm): boolean {
  return algorithm.startsWith('HS');
}

/**
 * Builds the token keys from the settings. For HMAC without `JWT_SECRET` (development
 * only) a random secret is generated once and kept in `<dataDir>/jwt-secret`. For RS/ES/PS
 * every key is checked against the algorithm (key type, curve, RSA size) at start-up, and
 * a `JWT_PUBLIC_KEY` must match `JWT_PRIVATE_KEY`. Throws `SettingsError` naming the variable.
 *
 * @example
 * const keys = loadTokenKeys(loadSettings({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: 'keys/private.pem' }));
 * keys.kid; // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 */
export function loadTokenKeys(settings: Settings): TokenKeys {
  if (isHmac(settings.tokens.algorithm)) {
    const secret = settings.tokens.secret ?? developmentSecret(settings);
    const key = createSecretKey(Buffer.from(secret, 'utf8'));
    return { algorithm: settings.tokens.algorithm, signingKey: key, verificationKey: key, kid: undefined, verificationKeys: new Map() };
  }
  if (!settings.tokens.privateKey) {
    throw new SettingsError('JWT_PRIVATE_KEY', `is required for ${settings.tokens.algorithm}`);
  }
  const signingKey = parseKey(() => createPrivateKey(readPem(settings.tokens.privateKey!, 'JWT_PRIVATE_KEY')), 'JWT_PRIVATE_KEY', 'a private key');
  checkKeyFits(settings.tokens.algorithm, signingKey, 'JWT_PRIVATE_KEY');
  const derived = createPublicKey(signingKey);
  const kid = thumbprint(derived);
  if (settings.tokens.publicKey) {
    const given = parseKey(() => createPublicKey(readPem(settings.tokens.publicKey!, 'JWT_PUBLIC_KEY')), 'JWT_PUBLIC_KEY', 'a public key');
    if (thumbprint(given) !== kid) throw new SettingsError('JWT_PUBLIC_KEY', 'does not belong to JWT_PRIVATE_KEY');
  }
  const verificationKeys = new Map<string, KeyObject>([[kid, derived]]);
  for (const retired of settings.tokens.publicKeys ? readPublicKeys(settings.tokens.publicKeys, 'JWT_PUBLIC_KEYS') : []) {
    checkKeyFits(settings.tokens.algorithm, retired, 'JWT_PUBLIC_KEYS');
    verificationKeys.set(thumbprint(retired), retired);
  }
  return { algorithm: settings.tokens.algorithm, signingKey, verificationKey: derived, kid, verificationKeys };
}

function parseKey(parse: () => KeyObject, variable: string, what: string): KeyObject {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SettingsError) throw error;
    throw new SettingsError(variable, `is not ${what} in PEM form`);
  }
}

const CURVES: Partial<Record<Algorithm, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** RFC 8725 §3.1: one key, one algorithm. Refuses keys that do not fit `algorithm`. */
export function checkKeyFits(algorithm: Algorithm, key: KeyObject, variable: string): void {
  const details = key.asymmetricKeyDetails ?? {};
  if (algorithm.startsWith('ES')) {
    if (key.asymmetricKeyType !== 'ec' || details.namedCurve !== CURVES[algorithm]) {
      throw new SettingsError(variable, `${algorithm} needs an EC key on curve ${CURVES[algorithm]} (got ${key.asymmetricKeyType}${details.namedCurve ? ' ' + details.namedCurve : ''})`);
    }
    return;
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new SettingsError(variable, `${algorithm} needs an RSA key (got ${key.asymmetricKeyType})`);
  }
  if ((details.modulusLength ?? 0) < 2048) {
    throw new SettingsError(variable, `${algorithm} needs an RSA key of at least 2048 bits (got ${details.modulusLength})`);
  }
}

function developmentSecret(settings: Settings): string {
  if (settings.server.nodeEnv === 'production') {
    throw new SettingsError('JWT_SECRET', 'is required when NODE_ENV=production');
  }
  const file = join(settings.database.dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(settings.database.dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key. */
export function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const members: Record<string, string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] };
  const required = members[jwk.kty] ?? Object.keys(jwk).sort();
  const canonical = JSON.stringify(Object.fromEntries(required.map((name) => [name, jwk[name]])));
  return sha256(canonical, 'base64url');
}
