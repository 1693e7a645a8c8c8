/** Pure rules of app (long-running) refresh tokens. */

/** The only grant `delegateToken` accepts (RFC 7523). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const APP_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** True for a valid app (client id) name: 1 to 64 letters, digits, `.`, `_`, `-`. */
export function isAppName(text: string): boolean {
  return APP_NAME.test(text);
}

/** True when an app token's last-use time is due a write (`JWT_SESSION_EXPIRATION_ACCURACY`). */
export function lastUseDue(lastUsedAt: Date | null, now: Date, accuracySeconds: number): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= accuracySeconds * 1000;
}

/** The session-cache key of a user's app token for one app. */
export function appTokenKey(userId: string, app: string): string {
  return `${userId}:${app}`;
}

/**
 * Whether an access token delegated from an app token may still be used: the user must
 * still hold a live app token for that app, created no later than the delegation
 * (`orig_iat`). Revoking the app token, or replacing it with a new one, ends the access
 * tokens it gave out, at once.
 *
 * @example delegationLive({ createdAt: 1700000000 }, 1700000100) // true
 */
export function delegationLive(token: { createdAt: number | null }, origIat: number): boolean {
  return token.createdAt !== null && token.createdAt <= origIat;
}
