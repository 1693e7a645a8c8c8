import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { SessionCache } from '../sessions/cache';
import { CHANNEL, decode, encode, type InvalidationBus } from './bus';

/**
 * Invalidations over PostgreSQL LISTEN/NOTIFY, for several instances without Redis.
 * One extra connection per process listens; while it is down, the cache is bypassed and a
 * reconnect is tried every `retryMs`. An outage is logged once when the listener is lost
 * and once when it is back, however many reconnects fail in between.
 */
export function postgresBus(url: string, log: (line: string) => void, options: { retryMs?: number } = {}): InvalidationBus {
  const retryMs = options.retryMs ?? 1000;
  const origin = randomUUID();
  let cache: SessionCache | undefined;
  let listener: Client | undefined;
  let closed = false;
  let lost = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    client.on('notification', (message) => {
      const event = message.payload ? decode(origin, message.payload) : null;
      if (event) cache?.apply(event);
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
        listener?.query('select pg_notify($1, $2)', [CHANNEL, encode(origin, event)]).catch(() => undefined);
      };
      await connect();
    },
    async announce(event) {
      if (!listener) throw new Error('the PostgreSQL invalidation listener is not connected');
      await listener.query('select pg_notify($1, $2)', [CHANNEL, encode(origin, event)]);
    },
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
