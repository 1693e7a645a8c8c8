import type Redis from 'ioredis';
import { dialectOf } from '../db/config';
import type { Settings } from '../settings';
import { type InvalidationBus, localBus } from './bus';
import { postgresBus } from './postgres-bus';
import { redisBus } from './redis-bus';

/** Redis when `REDIS_URL` is set, else PostgreSQL LISTEN/NOTIFY on PostgreSQL, else none (one SQLite process). */
export function chooseBus(settings: Settings, log: (line: string) => void, redis?: Redis): InvalidationBus {
  if (settings.redisUrl) return redisBus(settings.redisUrl, log, redis);
  if (dialectOf(settings.databaseUrl) === 'postgresql') return postgresBus(settings.databaseUrl, log);
  return localBus;
}
