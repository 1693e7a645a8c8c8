import { RateLimiterCompatibleAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../util/clock';
import { LruMap } from '../util/lru-map';

/** One key's window: points used so far, and when the window ends (milliseconds). */
interface Window {
  consumed: number;
  endsAt: number;
}

export interface ClockWindowOptions {
  points: number;
  /** Window length, seconds. */
  duration: number;
  keyPrefix: string;
  clock: Clock;
  /** Keys remembered at most (default 100,000). */
  maxEntries?: number;
  /** Bytes the windows may take at most, keys included (default 16 MiB). */
  maxBytes?: number;
}

/** A window's bytes: its key (2 per UTF-16 code unit) and two numbers with the Map's overhead. */
const windowBytes = (key: string) => 2 * key.length + 64;

/**
 * A fixed-window counter in this process's memory, on the instance's clock, bounded in
 * entries and bytes: what `LoginLimiter` counts with when there is no Redis, and its
 * insurance while Redis does not answer. It replaces rate-limiter-flexible's memory store,
 * which reads the machine's time (so tests had to sleep out a window) and keeps every key
 * with a timer of its own, unbounded. When full, the least recently used windows are
 * forgotten first: a flood of new keys can only forget the counters of keys nobody used
 * lately.
 *
 * @example
 * const limiter = new ClockWindowLimiter({ points: 5, duration: 900, keyPrefix: 'login:', clock: gh.clock });
 * await limiter.consume('203.0.113.7'); // rejects with a RateLimiterRes past 5 points in 15 minutes
 */
export class ClockWindowLimiter extends RateLimiterCompatibleAbstract {
  private readonly windows: LruMap<Window>;

  constructor(private readonly options: ClockWindowOptions) {
    super();
    // The base class declares these as getters that throw; plain properties of the instance
    // shadow them (the insured Redis limiter sets blockDuration and execEvenly on its insurance).
    Object.defineProperty(this, 'keyPrefix', { value: options.keyPrefix, enumerable: true });
    Object.defineProperty(this, 'blockDuration', { value: 0, writable: true, enumerable: true });
    Object.defineProperty(this, 'execEvenly', { value: false, writable: true, enumerable: true });
    this.windows = new LruMap<Window>(options.maxEntries ?? 100_000, { maxBytes: options.maxBytes ?? 16 * 1024 * 1024, sizeOf: windowBytes });
  }

  /** The key's live window, a new one when it has none or its window ended. */
  private window(key: string): Window {
    const now = this.options.clock.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { consumed: 0, endsAt: now + this.options.duration * 1000 };
      this.windows.set(key, window);
    }
    return window;
  }

  private answer(window: Window): RateLimiterRes {
    const remaining = Math.max(0, this.options.points - window.consumed);
    return new RateLimiterRes(remaining, Math.max(0, window.endsAt - this.options.clock.now()), window.consumed, window.consumed === 1);
  }

  override async consume(key: string | number, points = 1): Promise<RateLimiterRes> {
    const window = this.window(String(key));
    window.consumed += points;
    const answer = this.answer(window);
    if (window.consumed > this.options.points) throw answer;
    return answer;
  }

  override async penalty(key: string | number, points = 1): Promise<RateLimiterRes> {
    const window = this.window(String(key));
    window.consumed += points;
    return this.answer(window);
  }

  override async reward(key: string | number, points = 1): Promise<RateLimiterRes> {
    const window = this.window(String(key));
    window.consumed -= points;
    return this.answer(window);
  }

  override async get(key: string | number): Promise<RateLimiterRes | null> {
    const window = this.windows.get(String(key));
    return window && window.endsAt > this.options.clock.now() ? this.answer(window) : null;
  }

  override async set(key: string | number, points: number, seconds: number): Promise<RateLimiterRes> {
    const window = { consumed: points, endsAt: this.options.clock.now() + (seconds > 0 ? seconds : this.options.duration) * 1000 };
    this.windows.set(String(key), window);
    return this.answer(window);
  }

  override async block(key: string | number, seconds: number): Promise<RateLimiterRes> {
    return this.set(key, this.options.points + 1, seconds);
  }

  override async delete(key: string | number): Promise<boolean> {
    const had = this.windows.get(String(key)) !== undefined;
    this.windows.delete(String(key));
    return had;
  }
}
