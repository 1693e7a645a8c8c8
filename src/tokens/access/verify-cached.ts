import type { Settings } from '../../settings';
import type { TokenKeys } from '../keys';
import type { AccessClaims } from './claims';
import type { VerifiedTokenCache } from './verified-cache';
import { timeProblem } from './time';
import { type VerifyResult, verifyAccessToken } from './verify';

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
  // `verifyAccessToken` judged `nbf`/`exp` by this same `now` (`timeProblem`). Remembered
  // from its second verification on (see `VerifiedTokenCache.admit`).
  if (!cache.admit(token)) return result;
  return { ok: true, claims: cache.remember(token, result.claims) as AccessClaims };
}
