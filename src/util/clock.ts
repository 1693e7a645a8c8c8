import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one source of time of a Gatehouse instance. Everything that asks "what time is it"
 * (token claims, expiry, grace windows, cache lifetimes, last-seen writes) asks the
 * instance's clock, so tests move a `ManualClock` instead of sleeping.
 *
 * @example
 * const clock = new ManualClock();
 * const gh = await createGatehouse({ clock });
 * clock.advance(5 * 60_000); // five minutes later: the access tokens issued before have expired
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves once `ms` milliseconds have passed on this clock. */
  wait(ms: number): Promise<void>;
  /**
   * For clocks that jump (tests): calls `listener` after each jump, so timers computed from
   * `now()` (a WebSocket's expiry) can be worked out again. Returns the function that stops it.
   */
  onAdvance?(listener: () => void): () => void;
}

/** The listeners of a clock that jumps. */
class Jumps {
  private readonly listeners = new Set<() => void>();
  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(): void {
    for (const listener of this.listeners) listener();
  }
}

/** The machine's clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  wait: async (ms) => {
    if (ms > 0) await sleep(ms);
  },
};

/**
 * A clock that moves only when told to (tests, simulations). `wait(ms)` moves it by `ms`
 * at once, so code that waits for a moment in time does not wait in real time.
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly jumps = new Jumps();

  constructor(startMs: number = Date.now()) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  async wait(ms: number): Promise<void> {
    if (ms > 0) this.current += ms;
  }

  /** Moves the clock forward by `ms` milliseconds (never backward). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ${ms} is not a forward move`);
    this.current += ms;
    this.jumps.emit();
  }

  /** Sets the clock to `ms` since the epoch. */
  set(ms: number): void {
    this.current = ms;
    this.jumps.emit();
  }

  onAdvance(listener: () => void): () => void {
    return this.jumps.on(listener);
  }
}

/**
 * The machine's clock moved by an offset that only grows: time passes as usual, and
 * `advance(ms)` jumps ahead (tests of a running server that must cross an expiry or a grace
 * window without waiting for it). `wait(ms)` jumps too.
 *
 * @example
 * const clock = new OffsetClock();
 * clock.advance(11_000); // the 10 s grace window is over
 */
export class OffsetClock implements Clock {
  private offset = 0;
  private readonly jumps = new Jumps();

  now(): number {
    return Date.now() + this.offset;
  }

  async wait(ms: number): Promise<void> {
    if (ms > 0) this.offset += ms;
  }

  /** Moves the clock forward by `ms` milliseconds (never backward). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`OffsetClock.advance: ${ms} is not a forward move`);
    this.offset += ms;
    this.jumps.emit();
  }

  onAdvance(listener: () => void): () => void {
    return this.jumps.on(listener);
  }
}

/**
 * Unix time in whole seconds: the unit of token claims (`iat`, `exp`, `nbf`).
 *
 * @example
 * const expired = seconds(gh.clock.now()) >= claims.exp;
 */
export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
