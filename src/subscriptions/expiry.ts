import type { Clock } from '../util/clock';

/** The longest one timer waits before looking at the clock again (a clock may jump meanwhile). */
export const EXPIRY_RECHECK_MS = 1000;

interface Entry<T> {
  at: number;
  item: T;
}

/**
 * Calls `expire(item)` once each item's deadline (milliseconds on `clock`) has come: one
 * timer for every item, whatever their number (a binary heap ordered by deadline; adding
 * and removing are O(log n), a tick with nothing due is O(1)). The delay is worked out from
 * `clock.now()`, never the machine's time; the timer wakes at least once a second, and at
 * once when a test clock jumps (`Clock.onAdvance`), so a moved clock is seen within a second
 * or immediately.
 *
 * @example
 * const watch = new ExpiryWatch(gh.clock, (socket) => socket.close(4403, 'TOKEN_EXPIRED'));
 * watch.add(socket, claims.exp * 1000);
 */
export class ExpiryWatch<T> {
  private readonly heap: Entry<T>[] = [];
  private readonly live = new Set<T>();
  private timer: NodeJS.Timeout | undefined;
  private readonly stopListening: () => void;

  constructor(private readonly clock: Clock, private readonly expire: (item: T) => void) {
    this.stopListening = clock.onAdvance?.(() => this.check()) ?? (() => undefined);
  }

  /** Watches `item` until `at` (ms). An item already past it expires on the next tick. */
  add(item: T, at: number): void {
    this.live.add(item);
    this.push({ at, item });
    this.arm();
  }

  /** Stops watching `item` (its entry is dropped lazily, or when the heap is compacted). */
  remove(item: T): void {
    if (!this.live.delete(item)) return;
    if (this.heap.length > 64 && this.heap.length > 2 * this.live.size) this.compact();
    if (this.live.size === 0) this.disarm();
  }

  get size(): number {
    return this.live.size;
  }

  /** Expires everything due now and sets the timer for the next deadline. */
  check(): void {
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0].at <= now) {
      const { item } = this.pop()!;
      if (!this.live.delete(item)) continue;
      try {
        this.expire(item);
      } catch {
        // The owner reports its own failures; the other items still expire.
      }
    }
    this.arm();
  }

  close(): void {
    this.stopListening();
    this.disarm();
    this.heap.length = 0;
    this.live.clear();
  }

  private arm(): void {
    this.disarm();
    while (this.heap.length > 0 && !this.live.has(this.heap[0].item)) this.pop();
    if (this.heap.length === 0) return;
    const delay = Math.min(Math.max(this.heap[0].at - this.clock.now(), 0), EXPIRY_RECHECK_MS);
    this.timer = setTimeout(() => this.check(), delay);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private compact(): void {
    const kept = this.heap.filter((entry) => this.live.has(entry.item));
    this.heap.length = 0;
    for (const entry of kept) this.push(entry);
  }

  private push(entry: Entry<T>): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= heap[i].at) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private pop(): Entry<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && heap[left].at < heap[smallest].at) smallest = left;
        if (right < heap.length && heap[right].at < heap[smallest].at) smallest = right;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
        i = smallest;
      }
    }
    return top;
  }
}
