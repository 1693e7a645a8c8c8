import type Redis from 'ioredis';
import { sha256 } from '../util/sha256';
import type { RateLimiterLike } from 'rate-limiter-flexible';
import type { Settings } from '../settings';
import { type Clock, systemClock } from '../util/clock';
import { addressBucket } from '../server/client-address';
import { consume, windowLimiter } from './login-limiter';

const MESSAGE = 'Too many requests. Try again later.';

/**
 * Limits the account requests (`register`, `requestEmailVerification`,
 * `requestPasswordReset`, `changeEmail`): at most `ACCOUNT_MAX_REQUESTS_PER_EMAIL` per
 * e-mail address and `ACCOUNT_MAX_REQUESTS_PER_CLIENT` per client address in a fixed window
 * of `ACCOUNT_REQUEST_WINDOW`, through the same limiter construction as the login limits
 * (Redis-shared when `REDIS_URL` is set; windows by the instance's clock; an IPv6 client
 * counted by its /64 like the login limits), in a keyspace of its own. Every request counts,
 * known address or not, so the limit says nothing about who has an account. Addresses
 * are keyed by a hash of their lower-case form: no addresses in clear in Redis.
 *
 * @example
 * await gh.accountLimiter.attempt('Ada@example.com', '203.0.113.7'); // throws RateLimited when over
 */
export class AccountLimiter {
  private readonly perEmail: RateLimiterLike | null;
  private readonly perClient: RateLimiterLike | null;

  constructor(settings: Pick<Settings, 'accounts' | 'redis'>, redis?: Redis, clock: Clock = systemClock) {
    const { maxRequestsPerEmail, maxRequestsPerClient, requestWindow } = settings.accounts;
    this.perEmail = windowLimiter(settings, redis, maxRequestsPerEmail, requestWindow, 'account-email', clock);
    this.perClient = windowLimiter(settings, redis, maxRequestsPerClient, requestWindow, 'account-client', clock);
  }

  /** Counts one request for `email` from `clientAddress` (null: unknown, only the address counter applies). */
  async attempt(email: string, clientAddress: string | null): Promise<void> {
    if (clientAddress !== null && this.perClient) await consume(this.perClient, addressBucket(clientAddress), MESSAGE);
    if (this.perEmail) await consume(this.perEmail, emailKey(email), MESSAGE);
  }
}

function emailKey(email: string): string {
  return sha256(email.trim().toLowerCase(), 'base64url');
}
