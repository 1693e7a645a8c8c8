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
 * A token is remembered from its second verification on: the first only leaves its
 * fingerprint (`admit`), in a fixed table of 32-bit numbers. A client sends its token
 * again and again until it expires, so its second request puts it in the cache and every
 * later one is a hit; a token used once (a client that signs in, calls once and leaves,
 * or a new token per request) costs one table slot instead of an entry, its freezing and
 * its size estimate, and the memory of a hundred thousand such tokens a minute. A
 * fingerprint decides admission only, never an answer: two tokens sharing one at worst
 * admit a token a request early, or late.
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
  /** Fingerprints of tokens verified once, by slot (see `admit`): 4 bytes a slot, twice `maxEntries` slots or more. */
  private readonly seen: Uint32Array;

  constructor(readonly maxEntries: number = VERIFIED_TOKEN_CACHE_SIZE, readonly maxBytes: number = VERIFIED_TOKEN_CACHE_BYTES) {
    this.entries = new LruMap(maxEntries, { maxBytes, sizeOf: verifiedEntryBytes });
    this.seen = new Uint32Array(2 ** Math.ceil(Math.log2(Math.max(2, 2 * maxEntries))));
  }

  /**
   * True when this token was verified before (its fingerprint is in the table), so it is
   * worth remembering now; else notes its fingerprint and says false. Called after each
   * successful verification of a token not in the cache.
   */
  admit(token: string): boolean {
    const print = fingerprint(token);
    const slot = print & (this.seen.length - 1);
    if (this.seen[slot] === print) return true;
    this.seen[slot] = print;
    return false;
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
    this.seen.fill(0);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The bytes the entries take, as `verifiedEntryBytes` counts them. */
  get bytes(): number {
    return this.entries.bytes;
  }
}

/**
 * FNV-1a over the token's last 32 characters: the signature's, which differ between any two
 * tokens of one key (never 0, the empty slot).
 */
function fingerprint(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, token.length - 32); i < token.length; i++) {
    hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0 || 1;
}
