import type Redis from 'ioredis';
import { sha256 } from '../util/sha256';
import { RateLimiterRedis, RateLimiterRes, type RateLimiterLike } from 'rate-limiter-flexible';
import { RateLimited } from '../errors';
import type { Settings } from '../settings';
import { type Clock, systemClock } from '../util/clock';
import { ClockWindowLimiter } from './clock-window-limiter';
import { addressBucket } from '../server/client-address';

/**
 * Limits failed password attempts (`tokenAuth`, `changePassword`), with rate-limiter-flexible:
 * at most `LOGIN_MAX_FAILURES_PER_USER` per account and client address, and at most
 * `LOGIN_MAX_FAILURES_PER_ADDRESS` per client address, in a fixed window of
 * `LOGIN_FAILURE_WINDOW`. An IPv6 client is counted by its /64 network (`addressBucket`),
 * not by each of its addresses. Counters live in this process's memory, or in Redis when one is
 * given (shared by every instance), with this process's memory as the insurance when Redis
 * does not answer.
 *
 * An attempt is counted before the password is checked (so concurrent guesses cannot slip
 * past the limit while bcrypt runs) and given back when it succeeds: a success resets the
 * account+address counter and returns its point to the address counter.
 *
 * The account is what the login resolved to (see `accountKeys`): the user's id when the
 * lookup found one, so every spelling a `findUser` hook folds onto one user shares its
 * counter, and the folded login text, so unknown logins are limited like known ones.
 *
 * @example
 * const limiter = new LoginLimiter(settings);
 * const account = { userId: user?.id ?? null, login: 'Ada' };
 * await limiter.attempt(account, '203.0.113.7'); // throws RateLimited when over a limit
 * if (passwordOk) await limiter.succeeded(account, '203.0.113.7');
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
   * Counts one password attempt against `account`; throws `RateLimited` (with `retryAfter`
   * in seconds) when one of the account's counters for this address, or the address, has
   * used up its failures. `address` null: not known (an embedding server that gave none),
   * so only the account's counters apply.
   */
  async attempt(account: LoginAccount, clientAddress: string | null): Promise<void> {
    const address = clientAddress === null ? null : addressBucket(clientAddress);
    if (address !== null && this.perAddress) await consume(this.perAddress, address);
    if (this.perUser) for (const key of accountKeys(account)) await consume(this.perUser, userKey(key, address));
  }

  /** A correct password: resets the account's counters for this address, gives the address its point back. */
  async succeeded(account: LoginAccount, clientAddress: string | null): Promise<void> {
    const address = clientAddress === null ? null : addressBucket(clientAddress);
    await Promise.all([
      ...accountKeys(account).map((key) => this.perUser?.delete(userKey(key, address))),
      address !== null ? this.perAddress?.reward(address, 1) : undefined,
    ]);
  }
}

/** Takes one point of `key`; throws `RateLimited` (with `retryAfter`, and `message` when given) when none is left. */
export async function consume(limiter: RateLimiterLike, key: string, message?: string): Promise<void> {
  try {
    await limiter.consume(key, 1);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw new RateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), message);
    throw rejection;
  }
}

/** Whom a password attempt is against: the user the login text resolved to (null: none), and that text. */
export interface LoginAccount {
  userId: string | null;
  login: string;
}

/**
 * The per-user counters a password attempt counts against, all of which must have room:
 * the login text folded (NFKC, lower case), whether or not it names a user, and, when the
 * lookup found one, the user's id. The id is what a `findUser` hook that accepts several
 * spellings (case, an e-mail address) cannot split; the folded text is what makes an
 * unknown login behave as a known one, so the limit tells nothing about which exist (two
 * spellings that differ only in case share a counter either way).
 *
 * @example
 * accountKeys({ userId: '0b6f…', login: 'ADA' }) // ['login:ada', 'user:0b6f…']
 */
export function accountKeys(account: LoginAccount): string[] {
  const folded = `login:${account.login.normalize('NFKC').toLowerCase()}`;
  return account.userId === null ? [folded] : [folded, `user:${account.userId}`];
}

/** The account is hashed: bounded key length, and no usernames in clear in Redis. */
function userKey(account: string, address: string | null): string {
  const user = sha256(account, 'base64url');
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
export function windowLimiter(
  settings: Pick<Settings, 'redis'>, redis: Redis | undefined, points: number, windowSeconds: number, name: string, clock: Clock = systemClock,
): RateLimiterLike | null {
  if (points <= 0) return null;
  const options = { points, duration: windowSeconds, keyPrefix: `${settings.redis.keyPrefix}${name}` };
  const memory = new ClockWindowLimiter({ ...options, clock });
  if (!redis) return memory;
  return new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory });
}
