import { LruMap } from './lru-map';

/** Bounds of a {@link TtlMap}. */
export interface TtlMapOptions<V> {
  /** How long an entry lives, milliseconds; ≤ 0 remembers nothing. */
  ttlMs: number;
  maxEntries: number;
  /** The most bytes the entries may take together, as `sizeOf` counts them. */
  maxBytes: number;
  /** The bytes one entry takes, key included. */
  sizeOf: (key: string, value: V) => number;
}

/**
 * An {@link LruMap} whose entries also end `ttlMs` after they were set: bounded in entries
 * and bytes, least recently used first out, and an entry read at or past its end is
 * dropped and reported missing. Times are passed in (milliseconds), so the map reads no clock.
 *
 * @example
 * const users = new TtlMap<UserSnapshot>({ ttlMs: 30_000, maxEntries: 1000, maxBytes: 1 << 20, sizeOf: (id, user) => 2 * id.length + estimateBytes(user) });
 * users.set(user.id, user, now);
 * users.get(user.id, now + 29_999); // user
 * users.get(user.id, now + 30_000); // undefined
 */
export class TtlMap<V> {
  private readonly entries: LruMap<{ value: V; until: number }>;
  private readonly ttlMs: number;

  constructor(options: TtlMapOptions<V>) {
    this.ttlMs = options.ttlMs;
    const { sizeOf } = options;
    this.entries = new LruMap(options.ttlMs > 0 ? options.maxEntries : 0, {
      maxBytes: options.maxBytes,
      // The deadline is one number beside the value.
      sizeOf: (key, entry) => sizeOf(key, entry.value) + 16,
    });
  }

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, now: number): void {
    this.entries.set(key, { value, until: now + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The bytes the entries take, as `sizeOf` counts them (plus each deadline). */
  get bytes(): number {
    return this.entries.bytes;
  }
}
