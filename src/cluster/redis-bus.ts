import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { SessionCache } from '../sessions/cache';
import { CHANNEL, decode, encode, type InvalidationBus } from './bus';

/**
 * Invalidations over Redis pub/sub. While Redis is unreachable, the cache is bypassed
 * (every check asks the database) and Gatehouse keeps serving; the change is logged once,
 * and so is the recovery.
 */
export function redisBus(url: string, log: (line: string) => void): InvalidationBus & { readonly client: Redis } {
  const origin = randomUUID();
  const options = { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (times: number) => Math.min(times * 200, 2000) };
  const publisher = new Redis(url, { ...options, connectionName: 'gatehouse-pub' });
  const subscriber = new Redis(url, { ...options, connectionName: 'gatehouse-sub' });
  let cache: SessionCache | undefined;
  let up = false;
  const swallow = () => undefined;
  publisher.on('error', swallow);
  subscriber.on('error', swallow);

  let settled: () => void = () => undefined;
  const firstState = new Promise<void>((resolve) => (settled = resolve));
  const setUp = (now: boolean) => {
    settled();
    if (now === up) return;
    up = now;
    cache?.setBypass(!now);
    log(now ? 'redis: connected; sharing session invalidations' : 'redis: unreachable; checking sessions in the database until it is back');
  };
  subscriber.on('ready', () => {
    subscriber.subscribe(CHANNEL).then(() => setUp(true), () => setUp(false));
  });
  subscriber.on('close', () => setUp(false));
  subscriber.on('end', () => setUp(false));
  subscriber.on('message', (_channel: string, text: string) => {
    const event = decode(origin, text);
    if (event) cache?.apply(event);
  });

  return {
    name: 'redis',
    client: publisher,
    async attach(target) {
      cache = target;
      target.setBypass(true);
      target.publish = (event) => {
        publisher.publish(CHANNEL, encode(origin, event)).catch(swallow);
      };
      await Promise.all([publisher.connect().catch(swallow), subscriber.connect().catch(() => setUp(false))]);
      await firstState;
      if (!up) log('redis: unreachable at start; checking sessions in the database until it is back');
    },
    async ready() {
      try {
        return (await publisher.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      if (cache) cache.publish = undefined;
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
