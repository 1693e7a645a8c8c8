/**
 * Freezes an object and everything reachable from it, for values shared between requests
 * (so one request cannot change what the next is served).
 *
 * @example
 * const claims = deepFreeze({ sub: 'u1', roles: ['admin'] });
 * claims.roles.push('x'); // throws TypeError
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
