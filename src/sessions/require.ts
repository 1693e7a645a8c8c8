import { Forbidden } from '../errors';
import type { AccessClaims } from '../tokens/access/claims';
import { seconds } from '../util/clock';

/**
 * What the account-changing mutations ask of the caller's access token, beyond `@auth`.
 * Pure: the claims, the time and the setting in, a `Forbidden` out.
 *
 * `createRefreshToken`, `logout`, `logoutDevice`, `logoutOtherDevices`, `revokeAppToken` and
 * `changePassword` need a token of a device session (a password login and its refreshes:
 * it carries `sid`). A token delegated from an app token (`app`, no `sid`) may read, but not
 * end sessions, mint keys or change the password: `FORBIDDEN`, reason `DEVICE_SESSION_REQUIRED`.
 *
 * @example
 * requireDeviceSession(principal.claims); // throws for a delegated token
 */
export function requireDeviceSession(claims: Pick<AccessClaims, 'sid'>): asserts claims is Pick<AccessClaims, 'sid'> & { sid: string } {
  if (!claims.sid) throw new Forbidden('DEVICE_SESSION_REQUIRED');
}

/**
 * `createRefreshToken` also needs a recent password login: the token's `orig_iat` (never
 * moved by a refresh) at most `windowSeconds` (`APP_TOKEN_REAUTH_WINDOW`) before `nowMs`,
 * else `FORBIDDEN`, reason `REAUTHENTICATION_REQUIRED`. So a stolen access token, or a
 * refresh token that kept a session going for days, cannot mint a key that never expires.
 *
 * @example
 * requireRecentLogin(principal.claims, gh.clock.now(), gh.settings.sessions.appTokenReauthWindow);
 */
export function requireRecentLogin(claims: Pick<AccessClaims, 'sid' | 'orig_iat'>, nowMs: number, windowSeconds: number): void {
  requireDeviceSession(claims);
  if (seconds(nowMs) - claims.orig_iat > windowSeconds) throw new Forbidden('REAUTHENTICATION_REQUIRED');
}
