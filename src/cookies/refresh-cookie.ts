/**
 * The browser cookie mode's refresh cookie, as pure functions: building `Set-Cookie`
 * values and reading the `Cookie` header.
 *
 * The name carries the `__Secure-` prefix, so browsers accept it only with `Secure` and
 * from a secure origin (https, or http://localhost): a page on plain http cannot plant
 * a refresh token of its choosing in a victim's browser.
 */
export const REFRESH_COOKIE_NAME = '__Secure-gatehouse-refresh';

const ATTRIBUTES = 'HttpOnly; Secure; SameSite=Strict';

/**
 * `Set-Cookie` value that stores a refresh token until it expires.
 *
 * @example refreshCookie('ghd_…', 604800, '/graphql')
 * // '__Secure-gatehouse-refresh=ghd_…; Path=/graphql; Max-Age=604800; HttpOnly; Secure; SameSite=Strict'
 */
export function refreshCookie(token: string, maxAgeSeconds: number, path: string): string {
  return `${REFRESH_COOKIE_NAME}=${token}; Path=${path}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; ${ATTRIBUTES}`;
}

/** `Set-Cookie` value that makes the browser drop the refresh cookie. */
export function clearedRefreshCookie(path: string): string {
  return `${REFRESH_COOKIE_NAME}=; Path=${path}; Max-Age=0; ${ATTRIBUTES}`;
}

/**
 * The value of a cookie in a `Cookie` request header, or null. The first one wins when the
 * browser sends several of that name (it sends the most specific path first).
 *
 * @example readCookie('a=1; __Secure-gatehouse-refresh=ghd_x', REFRESH_COOKIE_NAME) // 'ghd_x'
 */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0 || part.slice(0, index).trim() !== name) continue;
    const value = part.slice(index + 1).trim();
    return value === '' ? null : value;
  }
  return null;
}
