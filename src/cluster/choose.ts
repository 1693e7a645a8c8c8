import type Redis from 'ioredis';
import { dialectOf } from '../db/config';
import type { Settings } from '../settings';
import { type InvalidationBus, localBus } from './bus';
import { postgresBus } from './postgres-bus';
import { redisBus } from './redis-bus';

/** Redis when `REDIS_URL` is set, else PostgreSQL LISTEN/NOTIFY on PostgreSQL, else none (one SQLite process). */
export function chooseBus(settings: Settings, log: (line: string) => void, redis?: Redis): InvalidationBus {
  if (settings.redis.url) return redisBus(settings.redis.url, log, redis);
  if (dialectOf(settings.database.url) === 'postgresql') return postgresBus(settings.database.url, log);
  return localBus;
}
