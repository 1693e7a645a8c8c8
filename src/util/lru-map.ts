/**
 * A bounded map that forgets its least recently used entries: a `Map` whose insertion
 * order is kept as the use order (a hit moves its entry to the young end). One lookup,
 * one insertion: O(1). For the per-process memories of verified tokens and answers.
 *
 * @example
 * const lru = new LruMap<number>(2);
 * lru.set('a', 1); lru.set('b', 2);
 * lru.get('a');     // 1, and 'a' is now the most recently used
 * lru.set('c', 3);  // forgets 'b'
 */
export class LruMap<V> {
  private readonly entries = new Map<string, V>();

  /** `maxEntries` ≤ 0: remembers nothing. */
  constructor(readonly maxEntries: number) {}

  /** The value, or undefined; a hit becomes the most recently used entry. */
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
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
    this.entries.set(key, value);
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

/**
 * Freezes an object and everything reachable from it, for values shared between requests
 * (so one request cannot change what the next is served).
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
