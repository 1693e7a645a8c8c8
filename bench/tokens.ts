/**
 * Access tokens minted by the bench, so `me` and `verifyToken` can be loaded with a token
 * the server has never seen on every request (its verified-token cache never helps).
 *
 * They are what `src/tokens/access/sign.ts` makes, byte for byte in shape: HS256 with the
 * server's own `JWT_SECRET` as a `KeyObject` of its UTF-8 bytes (as `loadTokenKeys` builds
 * it), no `kid` (HMAC has none), and the claims `sub`, `username`, `iat`, `exp`,
 * `orig_iat`, `jti`, `token_type: 'access'` and `sid`, taken from a token the server issued
 * at `tokenAuth`, so `sub` and `sid` name a real user and a real live device.
 *
 * Why earlier bench-minted tokens were refused with `INVALID_TOKEN` although they verified
 * with jsonwebtoken locally (each reproduced against a production server):
 * - `iat`, `exp` or `orig_iat` not whole seconds (`Date.now() / 1000`): jsonwebtoken accepts
 *   them, but Gatehouse's claim check (`isAccessClaims` in verify.ts) demands integers;
 * - a `sub` that is no user of the server's database (`me` refuses an unknown user with
 *   `INVALID_TOKEN`, not `SESSION_REVOKED`, so nothing tells a missing user from a bad
 *   token; `verifyToken` accepts such a token);
 * - a server started without `JWT_SECRET` outside production: it signs with a secret it
 *   generates in its data folder, so the bench's secret is not the server's.
 * A missing `token_type` gives the same answer. `checkMinted` sends one minted token
 * before any load, so a mismatch stops the bench with the server's answer instead of a
 * table of errors.
 *
 * @example
 * const mint = accessTokenMinter(BENCH_SECRET, claimsOf(session.token));
 * mint(); // a new token: new jti, iat = now
 */
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** What a minted token copies from a token the server issued. */
export interface TokenSubject {
  sub: string;
  username: string;
  orig_iat: number;
  sid?: string;
}

/** The claims of a JWT, read without verifying it (the bench's own tokens, from its own server). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The subject of a server-issued access token. */
export function subjectOf(token: string): TokenSubject {
  const claims = claimsOf(token);
  return {
    sub: String(claims.sub),
    username: String(claims.username),
    orig_iat: Number(claims.orig_iat),
    ...(typeof claims.sid === 'string' ? { sid: claims.sid } : {}),
  };
}

/** The HMAC key exactly as the server makes it from `JWT_SECRET`. */
export function secretKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/**
 * A function that signs a new access token for `subject` on every call: `iat` now (whole
 * seconds), `exp` `lifetime` seconds later, a new random `jti`.
 */
export function accessTokenMinter(secret: string | KeyObject, subject: TokenSubject, lifetime = 300): () => string {
  const key = typeof secret === 'string' ? secretKey(secret) : secret;
  return () => {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      sub: subject.sub,
      username: subject.username,
      iat: now,
      exp: now + lifetime,
      orig_iat: subject.orig_iat,
      jti: randomBytes(16).toString('base64url'),
      token_type: 'access',
    };
    if (subject.sid) claims.sid = subject.sid;
    return jwt.sign(claims, key, { algorithm: 'HS256' });
  };
}
