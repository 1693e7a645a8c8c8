import { deepFreeze } from '../../util/deep-freeze';
import { LruMap } from '../../util/lru-map';
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
  private readonly entries: LruMap<Readonly<AccessClaims>>;

  constructor(readonly maxEntries: number = VERIFIED_TOKEN_CACHE_SIZE) {
    this.entries = new LruMap(maxEntries);
  }

  /** The claims of an already-verified token, or undefined. Marks the entry as recently used. */
  lookup(token: string): Readonly<AccessClaims> | undefined {
    return this.entries.get(token);
  }

  /** Remembers a verified token's claims (frozen, as they are shared by later requests). */
  remember(token: string, claims: AccessClaims): Readonly<AccessClaims> {
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
