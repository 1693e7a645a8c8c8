import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { shownUrl, skipOrFail } from './services';

/** The Redis tests use: REDIS_TEST_URL, else the machine's local one. */
export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

let answers: boolean | undefined;

/** Whether Redis answers PING (asked once, synchronously, so suites can be skipped when declared). */
export function redisAnswersSync(): boolean {
  if (answers === undefined) {
    const script =
      "const Redis = require('ioredis'); const r = new Redis(process.argv[1], { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });" +
      'r.connect().then(() => r.ping()).then(() => process.exit(0), () => process.exit(1));';
    try {
      execFileSync(process.execPath, ['-e', script, REDIS_TEST_URL], { stdio: 'ignore', timeout: 5000, cwd: __dirname });
      answers = true;
    } catch {
      answers = false;
    }
  }
  return answers;
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
