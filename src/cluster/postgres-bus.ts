import { randomUUID } from 'node:crypto';
import type * as Pg from 'pg';
import type { Client } from 'pg';
import type { SessionCache } from '../sessions/cache';
import { CHANNEL, decodeMessage, encode, encodeSignal, type InvalidationBus, SignalReceivers } from './bus';

/**
 * Invalidations and session signals over PostgreSQL LISTEN/NOTIFY, for several instances without Redis.
 * One extra connection per process listens; while it is down, the cache is bypassed and a
 * reconnect is tried every `retryMs`. An outage is logged once when the listener is lost
 * and once when it is back, however many reconnects fail in between.
 */
export function postgresBus(url: string, log: (line: string) => void, options: { retryMs?: number } = {}): InvalidationBus {
  const retryMs = options.retryMs ?? 1000;
  const origin = randomUUID();
  let cache: SessionCache | undefined;
  const receivers = new SignalReceivers();
  let listener: Client | undefined;
  let closed = false;
  let lost = false;
  let retry: NodeJS.Timeout | undefined;
  // One NOTIFY at a time on the listener's connection, in the order they were asked for
  // (pg would queue them too, but warns about overlapping queries).
  let tail: Promise<unknown> = Promise.resolve();
  const notify = (payload: string): Promise<void> => {
    const client = listener;
    if (!client) return Promise.reject(new Error('the PostgreSQL invalidation listener is not connected'));
    const sent = tail.then(() => client.query('select pg_notify($1, $2)', [CHANNEL, payload]));
    tail = sent.catch(() => undefined);
    return sent.then(() => undefined);
  };

  const connect = async (): Promise<void> => {
    // Loaded here: only a PostgreSQL process without Redis needs pg for the bus.
    const { Client } = require('pg') as typeof Pg;
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    client.on('notification', (message) => {
      if (message.payload) receivers.deliver(decodeMessage(origin, message.payload), cache);
    });
    client.on('end', () => {
      if (closed) return;
      // Only the live listener's end is an outage; a failed reconnect's end just schedules the next try.
      if (listener !== undefined && listener !== client) return;
      listener = undefined;
      cache?.setBypass(true);
      if (!lost) {
        lost = true;
        log('gatehouse: postgres: invalidation listener lost; checking sessions in the database until it is back');
      }
      clearTimeout(retry);
      retry = setTimeout(() => void connect().catch(() => undefined), retryMs);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (closed) {
        await client.end().catch(() => undefined);
        return;
      }
      listener = client;
      cache?.setBypass(false);
      if (lost) {
        lost = false;
        log('gatehouse: postgres: invalidation listener is back; sharing session invalidations again');
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  };

  return {
    name: 'postgres',
    async attach(target) {
      cache = target;
      target.setBypass(true);
      target.publish = (event) => {
        notify(encode(origin, event)).catch(() => undefined);
      };
      await connect();
    },
    async announce(event) {
      await notify(encode(origin, event));
    },
    async announceSignal(signal) {
      await notify(encodeSignal(origin, signal));
    },
    onSignal: (listener) => receivers.add(listener),
    async ready() {
      return listener !== undefined;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      if (cache) cache.publish = undefined;
      await listener?.end().catch(() => undefined);
    },
  };
}
