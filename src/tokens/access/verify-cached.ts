import type { Settings } from '../../settings';
import type { TokenKeys } from '../keys';
import type { AccessClaims } from './claims';
import type { VerifiedTokenCache } from './verified-cache';
import { timeProblem } from './time';
import { type VerifyResult, verifyAccessToken } from './verify';

export { timeProblem } from './time';

/**
 * `verifyAccessToken` with a memory: a token verified before (the exact same string) is
 * not verified again once the cache has taken it (from its second use on, see `VerifiedTokenCache`), but its `nbf` and `exp` are checked against the clock, with the
 * leeway, on every call, exactly as `jsonwebtoken` does; an expired entry is dropped.
 * Failures are never remembered, so a bad token always takes the full verification.
 *
 * @example
 * const result = verifyAccessTokenCached(token, gh.settings, gh.keys, gh.verifiedTokens, seconds(gh.clock.now()));
 * if (!result.ok) throw new Unauthenticated(result.problem);
 */
export function verifyAccessTokenCached(
  token: string,
  settings: Settings,
  keys: TokenKeys,
  cache: VerifiedTokenCache,
  now: number,
): VerifyResult {
  const cached = cache.lookup(token);
  if (cached !== undefined) {
    const problem = timeProblem(cached, settings.tokens.leeway, now);
    if (problem === null) return { ok: true, claims: cached as AccessClaims };
    cache.forget(token);
    return { ok: false, problem };
  }
  const result = verifyAccessToken(token, settings, keys, now);
  if (!result.ok) return result;
  // Remembered from its second verification on (see `VerifiedTokenCache.admit`).
  const admitted = cache.admit(token);
  const claims = admitted ? (cache.remember(token, result.claims) as AccessClaims) : result.claims;
  // A clock that moved between jsonwebtoken's check and ours is judged by ours.
  const problem = timeProblem(claims, settings.tokens.leeway, now);
  if (problem !== null) {
    if (admitted) cache.forget(token);
    return { ok: false, problem };
  }
  return { ok: true, claims };
}
