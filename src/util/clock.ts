/**
 * Unix time in whole seconds: the clock of token claims (`iat`, `exp`, `nbf`).
 *
 * @example
 * const expired = nowSeconds() >= claims.exp;
 */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
