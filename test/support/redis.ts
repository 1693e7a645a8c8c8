import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { answersSync, shownUrl, skipOrFail } from './services';

/** The Redis tests use: REDIS_TEST_URL, else the machine's local one. */
export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

/** Whether the Redis at REDIS_TEST_URL answers PING (within 1.5 s to connect). */
export async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(REDIS_TEST_URL, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Whether Redis answers PING, synchronously (so suites can be skipped when declared): see `answersSync`. */
export function redisAnswersSync(): boolean {
  return answersSync('redis', __filename, 'redisAnswers');
}

/**
 * The `skip` option for a suite that needs the Redis at REDIS_TEST_URL: `false` when it
 * answers, else why not (under `GATEHOUSE_REQUIRE_SERVICES=1`, a thrown error: see `skipOrFail`).
 */
export function redisSkip(): string | false {
  return skipOrFail(redisAnswersSync() ? false : `Redis does not answer at ${shownUrl(REDIS_TEST_URL)}`);
}

/** A key prefix of its own for one test, and a function that deletes every key under it. */
export function scratchRedisPrefix(): { prefix: string; cleanup(): Promise<number> } {
  const prefix = `gatehouse-test-${randomBytes(6).toString('hex')}:`;
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: 1 });
      try {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        return keys.length;
      } finally {
        redis.disconnect();
      }
    },
  };
}
