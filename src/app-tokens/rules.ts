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
