/**
 * A bounded map that forgets its least recently used entries: a `Map` whose insertion
 * order is kept as the use order. A hit moves its entry to the young end only when at
 * least half of `maxEntries` insertions happened since it was last placed there; until
 * then it is among the younger half anyway, and no insertion can push it out. So a hit
 * usually costs one lookup, and an entry used at least that often is never forgotten.
 *
 * @example
 * const lru = new LruMap<number>(2);
 * lru.set('a', 1); lru.set('b', 2);
 * lru.get('a');     // 1, and 'a' is now the most recently used
 * lru.set('c', 3);  // forgets 'b'
 */
export class LruMap<V> {
  private readonly entries = new Map<string, { value: V; placed: number }>();
  /** Insertions so far: an entry's `placed` is this count when it was last moved to the young end. */
  private insertions = 0;
  private readonly half: number;

  /** `maxEntries` ≤ 0: remembers nothing. */
  constructor(readonly maxEntries: number) {
    this.half = Math.max(1, Math.floor(maxEntries / 2));
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

  /** Stores (or replaces) an entry, forgetting the least recently used ones beyond `maxEntries`. */
  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, placed: ++this.insertions });
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
}
