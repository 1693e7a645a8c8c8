import { createHash, createPrivateKey, createPublicKey, createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Algorithm, type Settings, SettingsError } from '../settings';

/** The keys access tokens are signed and verified with. Always `KeyObject`s, never strings. */
export interface TokenKeys {
  readonly algorithm: Algorithm;
  readonly signingKey: KeyObject;
  readonly verificationKey: KeyObject;
  /** Key id put in the JWT header; the RFC 7638 thumbprint of the public key (asymmetric only). */
  readonly kid: string | undefined;
}

export function isHmac(algorithm: Algorithm): boolean {
  return algorithm.startsWith('HS');
}

/**
 * Builds the token keys from the settings. For HMAC without `JWT_SECRET` (development
 * only) a random secret is generated once and kept in `<dataDir>/jwt-secret`.
 */
export function loadTokenKeys(settings: Settings): TokenKeys {
  if (isHmac(settings.algorithm)) {
    const secret = settings.jwtSecret ?? developmentSecret(settings);
    const key = createSecretKey(Buffer.from(secret, 'utf8'));
    return { algorithm: settings.algorithm, signingKey: key, verificationKey: key, kid: undefined };
  }
  if (!settings.privateKey) {
    throw new SettingsError('JWT_PRIVATE_KEY', `is required for ${settings.algorithm}`);
  }
  const signingKey = createPrivateKey(pemText(settings.privateKey, 'JWT_PRIVATE_KEY'));
  const verificationKey = settings.publicKey
    ? createPublicKey(pemText(settings.publicKey, 'JWT_PUBLIC_KEY'))
    : createPublicKey(signingKey);
  return { algorithm: settings.algorithm, signingKey, verificationKey, kid: thumbprint(verificationKey) };
}

function pemText(value: string, variable: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    return readFileSync(value, 'utf8');
  } catch {
    throw new SettingsError(variable, `is neither PEM text nor a readable file (${value})`);
  }
}

function developmentSecret(settings: Settings): string {
  if (settings.nodeEnv === 'production') {
    throw new SettingsError('JWT_SECRET', 'is required when NODE_ENV=production');
  }
  const file = join(settings.dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(settings.dataDir, { recursive: true });
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
  return createHash('sha256').update(canonical).digest('base64url');
}
