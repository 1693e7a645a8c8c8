import jwt from 'jsonwebtoken';
import type { TokenProblem } from '../../errors';
import type { Settings } from '../../settings';
import type { TokenKeys } from '../keys';
import type { AccessClaims } from './claims';

export type VerifyResult =
  | { ok: true; claims: AccessClaims }
  | { ok: false; problem: Exclude<TokenProblem, 'MISSING_TOKEN' | 'SESSION_REVOKED'> };

/**
 * Verifies an access token: signature with the one pinned algorithm (never `none`),
 * `exp`/`nbf` with the leeway, `aud`/`iss` when configured, and the claim shapes
 * (`token_type` must be `access`). Returns a result, never throws.
 *
 * @example
 * const result = verifyAccessToken(token, settings, keys);
 * if (result.ok) console.log(result.claims.sub);
 */
export function verifyAccessToken(token: string, settings: Settings, keys: TokenKeys): VerifyResult {
  let decoded: unknown;
  try {
    decoded = jwt.verify(token, keys.verificationKey, {
      algorithms: [keys.algorithm],
      clockTolerance: settings.leeway,
      ...(settings.audience ? { audience: settings.audience } : {}),
      ...(settings.issuer ? { issuer: settings.issuer } : {}),
    });
  } catch (error) {
    return { ok: false, problem: error instanceof jwt.TokenExpiredError ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN' };
  }
  return isAccessClaims(decoded) ? { ok: true, claims: decoded } : { ok: false, problem: 'INVALID_TOKEN' };
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
