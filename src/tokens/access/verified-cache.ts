import { deepFreeze } from '../../util/deep-freeze';
import { estimateBytes } from '../../util/estimate-bytes';
import { LruMap } from '../../util/lru-map';
import type { AccessClaims } from './claims';

/** How many verified tokens a process remembers by default. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** How many bytes of tokens and claims a process remembers by default (see `verifiedEntryBytes`). */
export const VERIFIED_TOKEN_CACHE_BYTES = 16 * 1024 * 1024;

/** What one entry takes: the token (2 bytes a character) and an estimate of its claims. */
export function verifiedEntryBytes(token: string, claims: Readonly<AccessClaims>): number {
  return 2 * token.length + estimateBytes(claims);
}

/**
 * A bounded, least-recently-used memory of access tokens whose signature and claims were
 * already verified, keyed by the exact token string, and bounded both in entries and in
 * bytes (the token and its claims, see `verifiedEntryBytes`), so large extra claims
 * cannot make it outgrow its budget. Holding the claims spares the signature check (and
 * JSON parsing) on every later request with the same token; the time-based checks (`exp`,
 * `nbf`) are still made on every use by the caller (`verifyAccessTokenCached`). Only
 * successes are stored, never failures.
 *
 * Safe because everything a verification decides apart from the time is a pure function
 * of the token string and the instance's fixed keys and settings, which the cache (one
 * per `Gatehouse` runtime) shares. Session and user checks are not cached here.
 *
 * @example
 * const cache = new VerifiedTokenCache(1000, 1024 * 1024);
 * cache.remember(token, claims);
 * cache.lookup(token); // claims (frozen)
 */
export class VerifiedTokenCache {
  private readonly entries: LruMap<Readonly<AccessClaims>>;

  constructor(readonly maxEntries: number = VERIFIED_TOKEN_CACHE_SIZE, readonly maxBytes: number = VERIFIED_TOKEN_CACHE_BYTES) {
    this.entries = new LruMap(maxEntries, { maxBytes, sizeOf: verifiedEntryBytes });
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

  /** The bytes the entries take, as `verifiedEntryBytes` counts them. */
  get bytes(): number {
    return this.entries.bytes;
  }
}
