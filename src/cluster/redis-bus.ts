import { randomUUID } from 'node:crypto';
import type * as IORedis from 'ioredis';
import type { Redis } from 'ioredis';
import type { SessionCache } from '../sessions/cache';
import { CHANNEL, decodeMessage, encode, encodeSignal, type InvalidationBus, SignalReceivers } from './bus';

/**
 * Invalidations and session signals over Redis pub/sub. While Redis is unreachable, the cache is bypassed
 * (every check asks the database) and Gatehouse keeps serving; the change is logged once,
 * and so is the recovery (by the shared connection's owner when one is given).
 */
export function redisBus(url: string, warn: (line: string) => void, shared?: Redis): InvalidationBus {
  // Loaded here: only a process with REDIS_URL needs ioredis.
  const { Redis } = require('ioredis') as typeof IORedis;
  const origin = randomUUID();
  // With a shared connection, its owner reports outages (once); the bus stays quiet.
  const log = shared ? () => undefined : warn;
  const options = { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (times: number) => Math.min(times * 200, 2000) };
  // Publishing uses the process's shared connection when there is one; subscribing needs its own.
  const publisher = shared ?? new Redis(url, { ...options, connectionName: 'gatehouse-pub' });
  const subscriber = new Redis(url, { ...options, connectionName: 'gatehouse-sub' });
  let cache: SessionCache | undefined;
  const receivers = new SignalReceivers();
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
    log(now ? 'gatehouse: redis: connected; sharing session invalidations' : 'gatehouse: redis: unreachable; checking sessions in the database until it is back');
  };
  subscriber.on('ready', () => {
    subscriber.subscribe(CHANNEL).then(() => setUp(true), () => setUp(false));
  });
  subscriber.on('close', () => setUp(false));
  subscriber.on('end', () => setUp(false));
  subscriber.on('message', (_channel: string, text: string) => {
    receivers.deliver(decodeMessage(origin, text), cache);
  });

  return {
    name: 'redis',
    async attach(target) {
      cache = target;
      target.setBypass(true);
      target.publish = (event) => {
        publisher.publish(CHANNEL, encode(origin, event)).catch(swallow);
      };
      if (!shared) await publisher.connect().catch(swallow);
      await subscriber.connect().catch(() => setUp(false));
      await firstState;
      if (!up) log('gatehouse: redis: unreachable at start; checking sessions in the database until it is back');
    },
    async announce(event) {
      await publisher.publish(CHANNEL, encode(origin, event));
    },
    async announceSignal(signal) {
      await publisher.publish(CHANNEL, encodeSignal(origin, signal));
    },
    onSignal: (listener) => receivers.add(listener),
    async ready() {
      try {
        return (await publisher.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      if (cache) cache.publish = undefined;
      if (!shared) publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
