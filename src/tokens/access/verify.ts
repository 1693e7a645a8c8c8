import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { type TokenProblem, withoutStackTraces } from '../../errors';
import type { Settings } from '../../settings';
import { isHmac, type TokenKeys } from '../keys';
import type { AccessClaims } from './claims';

/**
 * Longest access token accepted, bytes. Gatehouse's own tokens are well under 1 KiB; the
 * cap keeps an attacker's megabyte of "token" away from base64 and JSON decoding, and
 * matches the common 8 KiB header limit of proxies.
 */
export const MAX_TOKEN_BYTES = 8192;

export type VerifyResult =
  | { ok: true; claims: AccessClaims }
  | { ok: false; problem: Exclude<TokenProblem, 'MISSING_TOKEN' | 'SESSION_REVOKED'> };

/**
 * Verifies an access token per RFC 8725: the key is chosen by Gatehouse, never by the
 * token (for RS/ES/PS the header's `kid` only selects among the configured public keys;
 * an unknown or missing `kid` is refused); the one pinned algorithm is accepted (never
 * `none`, never HS when an asymmetric algorithm is configured); `exp`/`nbf` with the
 * leeway; `aud`/`iss` when configured; and the claim shapes (`token_type` must be `access`).
 * Tokens over `MAX_TOKEN_BYTES` are refused unread. `now` is Unix seconds (the instance's clock).
 * Returns a result, never throws.
 *
 * @example
 * const result = verifyAccessToken(token, settings, keys, seconds(gh.clock.now()));
 * if (result.ok) console.log(result.claims.sub);
 */
export function verifyAccessToken(token: string, settings: Settings, keys: TokenKeys, now: number): VerifyResult {
  if (token.length > MAX_TOKEN_BYTES) return { ok: false, problem: 'INVALID_TOKEN' };
  const key = verificationKeyFor(token, keys);
  if (!key) return { ok: false, problem: 'INVALID_TOKEN' };
  let decoded: unknown;
  try {
    // A refused token throws: its error is only looked at for its class.
    decoded = withoutStackTraces(() =>
      jwt.verify(token, key, {
        algorithms: [keys.algorithm],
        clockTimestamp: now,
        clockTolerance: settings.tokens.leeway,
        ...(settings.tokens.audience ? { audience: settings.tokens.audience } : {}),
        ...(settings.tokens.issuer ? { issuer: settings.tokens.issuer } : {}),
      }),
    );
  } catch (error) {
    return { ok: false, problem: error instanceof jwt.TokenExpiredError ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN' };
  }
  return isAccessClaims(decoded) ? { ok: true, claims: decoded } : { ok: false, problem: 'INVALID_TOKEN' };
}

/** The HMAC secret, or the configured public key the header's `kid` names (undefined if none). */
function verificationKeyFor(token: string, keys: TokenKeys): KeyObject | undefined {
  if (isHmac(keys.algorithm)) return keys.verificationKey;
  const kid = headerOf(token)?.kid;
  return typeof kid === 'string' ? keys.verificationKeys.get(kid) : undefined;
}

function headerOf(token: string): Record<string, unknown> | undefined {
  const end = token.indexOf('.');
  if (end <= 0 || end > 2048) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, end), 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null ? (header as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isAccessClaims(value: unknown): value is AccessClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    c.token_type === 'access' &&
    typeof c.sub === 'string' && c.sub.length > 0 &&
    typeof c.username === 'string' &&
    Number.isInteger(c.iat) && Number.isInteger(c.exp) && Number.isInteger(c.orig_iat) &&
    typeof c.jti === 'string' &&
    (c.sid === undefined || typeof c.sid === 'string') &&
    (c.app === undefined || typeof c.app === 'string')
  );
}
