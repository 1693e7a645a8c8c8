/** Bounds of an {@link LruMap} besides its entry count. */
export interface LruMapOptions<V> {
  /** The most bytes the entries may take together, as `sizeOf` counts them (default: no byte bound). */
  maxBytes?: number;
  /** The bytes one entry takes, key included (default: the key's, 2 per UTF-16 code unit). */
  sizeOf?: (key: string, value: V) => number;
}

/**
 * A bounded map that forgets its least recently used entries: a `Map` whose insertion
 * order is kept as the use order, holding at most `maxEntries` entries and, with
 * `maxBytes`, at most that many bytes as `sizeOf` counts them. An entry larger than
 * `maxBytes` on its own is not kept at all.
 *
 * A hit moves its entry to the young end only when at least half of `maxEntries`
 * insertions happened since it was last placed there; until then it is among the younger
 * half anyway, and no insertion can push it out through the entry bound. So a hit usually
 * costs one lookup, and an entry used at least that often is never forgotten for want of
 * entries. The byte bound holds at all times, but it may forget such an entry early when
 * large entries arrive.
 *
 * @example
 * const lru = new LruMap<string>(1000, { maxBytes: 1 << 20, sizeOf: (key, value) => 2 * (key.length + value.length) });
 * lru.set('a', 'x'); lru.set('b', 'y');
 * lru.get('a');     // 'x'
 * lru.bytes;        // 8
 */
export class LruMap<V> {
  private readonly entries = new Map<string, { value: V; placed: number; bytes: number }>();
  /** Insertions so far: an entry's `placed` is this count when it was last moved to the young end. */
  private insertions = 0;
  private readonly half: number;
  private readonly sizeOf: (key: string, value: V) => number;
  /** The bytes the entries take now, as `sizeOf` counted them. */
  private total = 0;
  readonly maxBytes: number;

  /** `maxEntries` ≤ 0 (or `maxBytes` ≤ 0): remembers nothing. */
  constructor(readonly maxEntries: number, options: LruMapOptions<V> = {}) {
    this.half = Math.max(1, Math.floor(maxEntries / 2));
    this.maxBytes = options.maxBytes ?? Infinity;
    this.sizeOf = options.sizeOf ?? ((key) => 2 * key.length);
  }

  /** The value, or undefined; a hit counts as a use (see the class comment). */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.insertions - entry.placed >= this.half) {
      this.entries.delete(key);
      entry.placed = this.insertions;
      this.entries.set(key, entry);
    }
    return entry.value;
  }

  /**
   * Stores (or replaces) an entry, forgetting the least recently used ones while either
   * bound would be passed. An entry larger than `maxBytes` is not stored (and replaces nothing).
   */
  set(key: string, value: V): void {
    this.delete(key);
    if (this.maxEntries <= 0) return;
    const bytes = this.sizeOf(key, value);
    if (!(bytes <= this.maxBytes)) return;
    while (this.entries.size >= this.maxEntries || this.total + bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
    this.entries.set(key, { value, placed: ++this.insertions, bytes });
    this.total += bytes;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The bytes the entries take, as `sizeOf` counts them (never more than `maxBytes`). */
  get bytes(): number {
    return this.total;
  }
}
