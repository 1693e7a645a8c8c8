import type * as IORedis from 'ioredis';
import type Redis from 'ioredis';

/**
 * A Redis connection for shared state (login limits, and publishing session invalidations). It never queues commands while
 * disconnected (they fail at once, so callers fall back to memory rather than wait), keeps
 * reconnecting in the background, and reports an outage once, not on every retry.
 *
 * ioredis is loaded here, when a connection is made (only with `REDIS_URL`).
 *
 * @example
 * const redis = connectRedis('redis://127.0.0.1:6379', (message) => console.warn(message));
 */
export function connectRedis(url: string, warn: (message: string) => void): Redis {
  const { Redis } = require('ioredis') as typeof IORedis;
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let down = false;
  const where = redactedUrl(url);
  const wentDown = (why: string) => {
    if (down) return;
    down = true;
    warn(`gatehouse: Redis at ${where} is unreachable (${why}); login limits fall back to this process's memory and sessions are checked in the database until it is back`);
  };
  redis.on('error', (error: Error) => wentDown(error.message));
  // A connection that was up and closes is an outage too, even before a reconnect fails.
  redis.on('close', () => {
    if (redis.status !== 'end') wentDown('connection closed');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    warn(`gatehouse: Redis at ${where} is back; login limits and session invalidations are shared again`);
  });
  return redis;
}

/** The URL without its password, for logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
