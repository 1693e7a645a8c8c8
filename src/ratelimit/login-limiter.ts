import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes, type RateLimiterLike } from 'rate-limiter-flexible';
import { RateLimited } from '../errors';
import type { Settings } from '../settings';
import { type Clock, systemClock } from '../util/clock';
import { ClockWindowLimiter } from './clock-window-limiter';

/**
 * Limits failed password attempts (`tokenAuth`, `changePassword`), with rate-limiter-flexible:
 * at most `LOGIN_MAX_FAILURES_PER_USER` per username and client address, and at most
 * `LOGIN_MAX_FAILURES_PER_ADDRESS` per client address, in a fixed window of
 * `LOGIN_FAILURE_WINDOW`. Counters live in this process's memory, or in Redis when one is
 * given (shared by every instance), with this process's memory as the insurance when Redis
 * does not answer.
 *
 * An attempt is counted before the password is checked (so concurrent guesses cannot slip
 * past the limit while bcrypt runs) and given back when it succeeds: a success resets the
 * username+address counter and returns its point to the address counter.
 *
 * @example
 * const limiter = new LoginLimiter(settings);
 * await limiter.attempt('ada', '203.0.113.7'); // throws RateLimited when over a limit
 * if (passwordOk) await limiter.succeeded('ada', '203.0.113.7');
 */
export class LoginLimiter {
  private readonly perUser: RateLimiterLike | null;
  private readonly perAddress: RateLimiterLike | null;

  constructor(settings: Pick<Settings, 'limits' | 'redis'>, redis?: Redis, clock: Clock = systemClock) {
    const make = (points: number, name: string): RateLimiterLike | null => {
      if (points <= 0) return null;
      const options = { points, duration: settings.limits.loginFailureWindow, keyPrefix: `${settings.redis.keyPrefix}${name}` };
      const memory = new ClockWindowLimiter({ ...options, clock });
      if (!redis) return memory;
      return new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory });
    };
    this.perUser = make(settings.limits.loginMaxFailuresPerUser, 'login-fail-user');
    this.perAddress = make(settings.limits.loginMaxFailuresPerAddress, 'login-fail-addr');
  }

  /**
   * Counts one password attempt; throws `RateLimited` (with `retryAfter` in seconds) when the
   * username+address or the address has used up its failures. `address` null: not known
   * (an embedding server that gave none), so only the username counter applies.
   */
  async attempt(username: string, address: string | null): Promise<void> {
    if (address !== null && this.perAddress) await consume(this.perAddress, address);
    if (this.perUser) await consume(this.perUser, userKey(username, address));
  }

  /** A correct password: resets the username+address counter, gives the address its point back. */
  async succeeded(username: string, address: string | null): Promise<void> {
    await Promise.all([
      this.perUser?.delete(userKey(username, address)),
      address !== null ? this.perAddress?.reward(address, 1) : undefined,
    ]);
  }
}

async function consume(limiter: RateLimiterLike, key: string): Promise<void> {
  try {
    await limiter.consume(key, 1);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw new RateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    throw rejection;
  }
}

/** The username is hashed: bounded key length, and no usernames in clear in Redis. */
function userKey(username: string, address: string | null): string {
  const user = createHash('sha256').update(username, 'utf8').digest('base64url');
  return `${address ?? 'unknown'}|${user}`;
}
