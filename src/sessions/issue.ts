import type { Clock } from '../util/clock';
import type { Gatehouse } from '../runtime';
import { signAccessToken } from '../tokens/access/sign';
import type { AccessClaims } from '../tokens/access/claims';
import type { UserSnapshot } from './cache';

export interface IssuedAccess {
  token: string;
  claims: AccessClaims;
}

/**
 * Resolves with the current time (milliseconds) once the clock has reached the second
 * `firstSecond`: at once, unless a password change happened in the current second, in
 * which case it waits out the rest of that second (under one second).
 *
 * @example const nowMs = await clockAtLeast(gh.clock, user.tokensValidAfter);
 */
export async function clockAtLeast(clock: Clock, firstSecond: number): Promise<number> {
  await clock.wait(firstSecond * 1000 - clock.now());
  return clock.now();
}

/**
 * Signs an access token for a user, with the hook's extra claims.
 *
 * Its `iat` is never below the user's `tokensValidAfter` (the first second after a password
 * change): a token signed in the same second as the change, but after it, waits for the
 * next second rather than carrying an `iat` in the future or being refused at once.
 */
export async function issueAccessToken(
  gh: Gatehouse,
  user: UserSnapshot,
  origin: { origIat: number; sid?: string; app?: string; apiType?: string },
  now: number,
): Promise<IssuedAccess> {
  const iat = now >= user.tokensValidAfter ? now : Math.floor((await clockAtLeast(gh.clock, user.tokensValidAfter)) / 1000);
  const extra = gh.hooks.extraClaims ? await gh.hooks.extraClaims(user) : undefined;
  return signAccessToken(
    { userId: user.id, username: user.username, origIat: origin.origIat, sid: origin.sid, app: origin.app, apiType: origin.apiType, extra },
    gh.settings,
    gh.keys,
    iat,
  );
}
