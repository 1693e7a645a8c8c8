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

/** The machine's clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  wait: async (ms) => {
    if (ms > 0) await sleep(ms);
  },
};

/**
 * A clock that jumps ahead when told to: `now()` is a base time plus a shift that
 * `advance(ms)` (and `wait(ms)`, which never waits in real time) makes larger. The two test
 * clocks differ only in their base.
 */
abstract class JumpingClock implements Clock {
  protected shift = 0;
  private readonly listeners = new Set<() => void>();

  protected abstract base(): number;

  now(): number {
    return this.base() + this.shift;
  }

  async wait(ms: number): Promise<void> {
    if (ms > 0) this.shift += ms;
  }

  /** Moves the clock forward by `ms` milliseconds (never backward). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`${this.constructor.name}.advance: ${ms} is not a forward move`);
    this.shift += ms;
    this.jumped();
  }

  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected jumped(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * A clock that moves only when told to (tests, simulations). `wait(ms)` moves it by `ms`
 * at once, so code that waits for a moment in time does not wait in real time.
 */
export class ManualClock extends JumpingClock {
  constructor(private readonly startMs: number = Date.now()) {
    super();
  }

  protected base(): number {
    return this.startMs;
  }

  /** Sets the clock to `ms` since the epoch. */
  set(ms: number): void {
    this.shift = ms - this.startMs;
    this.jumped();
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
export class OffsetClock extends JumpingClock {
  protected base(): number {
    return Date.now();
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
