import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimited } from '../errors';
import type { Settings } from '../settings';

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
  private readonly perUser: RateLimiterAbstract | null;
  private readonly perAddress: RateLimiterAbstract | null;

  constructor(settings: Pick<Settings, 'limits' | 'redis'>, redis?: Redis) {
    const make = (points: number, name: string): RateLimiterAbstract | null => {
      if (points <= 0) return null;
      const options = { points, duration: settings.limits.loginFailureWindow, keyPrefix: `${settings.redis.keyPrefix}${name}` };
      const memory = new RateLimiterMemory(options);
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

/** Takes one point of `key`; throws `RateLimited` (with `retryAfter`, and `message` when given) when none is left. */
export async function consume(limiter: RateLimiterAbstract, key: string, message?: string): Promise<void> {
  try {
    await limiter.consume(key, 1);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw new RateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), message);
    throw rejection;
  }
}

/** The username is hashed: bounded key length, and no usernames in clear in Redis. */
function userKey(username: string, address: string | null): string {
  const user = createHash('sha256').update(username, 'utf8').digest('base64url');
  return `${address ?? 'unknown'}|${user}`;
}

/**
 * A fixed-window limiter of `points` per key and `windowSeconds`, made the way the login
 * limits are: in this process's memory, or in Redis when one is given (shared by every
 * instance, with memory as the insurance), its keys under `REDIS_KEY_PREFIX` + `name`.
 * Null when `points` is 0 (off). For other keyspaces than the login failures (see
 * `AccountLimiter`).
 *
 * @example const perEmail = windowLimiter(settings, redis, 5, 3600, 'account-email');
 */
export function windowLimiter(settings: Pick<Settings, 'redis'>, redis: Redis | undefined, points: number, windowSeconds: number, name: string): RateLimiterAbstract | null {
  if (points <= 0) return null;
  const options = { points, duration: windowSeconds, keyPrefix: `${settings.redis.keyPrefix}${name}` };
  const memory = new RateLimiterMemory(options);
  if (!redis) return memory;
  return new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory });
}
