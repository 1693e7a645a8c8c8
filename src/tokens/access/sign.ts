import type { Settings } from '../../settings';
import type { TokenKeys } from '../keys';
import { randomBase64url } from '../../util/random-text';
import type { AccessClaims, AccessSubject } from './claims';
import { signature } from './jws';
import { MAX_TOKEN_BYTES } from './verify';

/** Builds the claims of a new access token. Pure but for the random `jti`. */
export function accessClaims(subject: AccessSubject, settings: Settings, now: number): AccessClaims {
  const claims: AccessClaims = {
    ...(subject.extra ?? {}),
    sub: subject.userId,
    username: subject.username,
    iat: now,
    exp: now + settings.tokens.accessLifetime,
    orig_iat: subject.origIat,
    jti: randomBase64url(16),
    token_type: 'access',
  };
  if (subject.sid) claims.sid = subject.sid;
  if (subject.app) claims.app = subject.app;
  if (subject.apiType) claims.api_type = subject.apiType;
  if (settings.tokens.audience) claims.aud = settings.tokens.audience;
  if (settings.tokens.issuer) claims.iss = settings.tokens.issuer;
  return claims;
}

/**
 * The protected header of every token `keys` signs, encoded: `{"alg":…,"typ":"JWT"}` and, for
 * an asymmetric key, its `kid` (the header jsonwebtoken wrote, byte for byte). One per keys.
 */
const headers = new WeakMap<TokenKeys, string>();
function headerOf(keys: TokenKeys): string {
  let header = headers.get(keys);
  if (header === undefined) {
    header = Buffer.from(JSON.stringify({ alg: keys.algorithm, typ: 'JWT', ...(keys.kid ? { kid: keys.kid } : {}) })).toString('base64url');
    headers.set(keys, header);
  }
  return header;
}

/**
 * Signs an access token: JWS compact serialization (RFC 7515 §7.1) of the claims as JSON,
 * with the configured algorithm and key (`./jws.ts`).
 *
 * @example
 * const { token, claims } = signAccessToken({ userId: 'u1', username: 'ada', origIat: now }, settings, keys, now);
 */
export function signAccessToken(
  subject: AccessSubject,
  settings: Settings,
  keys: TokenKeys,
  now: number,
): { token: string; claims: AccessClaims } {
  const claims = accessClaims(subject, settings, now);
  const signed = `${headerOf(keys)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const token = `${signed}.${signature(keys.algorithm, keys.signingKey, signed)}`;
  if (token.length > MAX_TOKEN_BYTES) {
    // Only an extraClaims hook can get here; fail loudly rather than issue a token verification refuses.
    throw new Error(`access token of ${token.length} bytes is over ${MAX_TOKEN_BYTES}: the extraClaims hook adds too much`);
  }
  return { token, claims };
}
