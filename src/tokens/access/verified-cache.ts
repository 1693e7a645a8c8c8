import type { AccessClaims } from './claims';

/** How many verified tokens a process remembers by default. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/**
 * A bounded, least-recently-used memory of access tokens whose signature and claims were
 * already verified, keyed by the exact token string. Holding the claims spares the
 * signature check (and JSON parsing) on every later request with the same token; the
 * time-based checks (`exp`, `nbf`) are still made on every use by the caller
 * (`verifyAccessTokenCached`). Only successes are stored, never failures.
 *
 * Safe because everything a verification decides apart from the time is a pure function
 * of the token string and the instance's fixed keys and settings, which the cache (one
 * per `Gatehouse` runtime) shares. Session and user checks are not cached here.
 *
 * @example
 * const cache = new VerifiedTokenCache(1000);
 * cache.remember(token, claims);
 * cache.lookup(token); // claims (frozen)
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Readonly<AccessClaims>>();

  constructor(readonly maxEntries: number = VERIFIED_TOKEN_CACHE_SIZE) {}

  /** The claims of an already-verified token, or undefined. Marks the entry as recently used. */
  lookup(token: string): Readonly<AccessClaims> | undefined {
    const claims = this.entries.get(token);
    if (claims === undefined) return undefined;
    // Move to the young end of the Map's insertion order (the LRU order).
    this.entries.delete(token);
    this.entries.set(token, claims);
    return claims;
  }

  /** Remembers a verified token's claims (frozen, as they are shared by later requests). */
  remember(token: string, claims: AccessClaims): Readonly<AccessClaims> {
    if (this.maxEntries <= 0) return deepFreeze(claims);
    this.entries.delete(token);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    const frozen = deepFreeze(claims);
    this.entries.set(token, frozen);
    return frozen;
  }

  forget(token: string): void {
    this.entries.delete(token);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
