import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/core';
import { migrate as applyMigrations, openDatabase } from '../db/orm';
import { servedGatehouseSchema } from '../graphql/schema';
import { createRuntime, type Gatehouse, type GatehouseHooks } from '../runtime';
import type { Settings } from '../settings';
import { loadTokenKeys } from '../tokens/keys';
import { createLogger, type Logger } from '../logging/logger';
import { createApollo } from './apollo';
import { createRequestHandler, type Readiness } from './http';
import { gatehouseSubscriptions } from '../subscriptions/server';
import type { Clock } from '../util/clock';

export interface StartOptions {
  settings: Settings;
  hooks?: GatehouseHooks;
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /** Where unexpected errors go (default: the logger, level error). */
  log?: (error: unknown) => void;
  /** Request and audit lines (pino). Default: stdout at `LOG_LEVEL`. */
  logger?: Logger;
  /** Where operational warnings go, e.g. a Redis outage (default: console.warn). */
  warn?: (message: string) => void;
  /** Where time comes from (default: the machine's clock); tests pass one they can move. */
  clock?: Clock;
}

export interface RunningGatehouse {
  gatehouse: Gatehouse;
  server: Server;
  /** e.g. http://127.0.0.1:4000/graphql */
  url: string;
  /** e.g. http://127.0.0.1:9464/metrics, when `METRICS_PORT` is set. */
  metricsUrl: string | null;
  stop(): Promise<void>;
}

/** Opens the database, migrates, and serves Gatehouse over HTTP. */
export async function startGatehouse(options: StartOptions): Promise<RunningGatehouse> {
  const { settings } = options;
  const logger = options.logger ?? createLogger(settings);
  const log = options.log ?? ((error: unknown) => logger.error({ err: error }, 'unexpected error'));
  const keys = loadTokenKeys(settings);
  const orm: MikroORM = await openDatabase(settings.database, { backgroundCheckpoints: true });
  let gatehouse: Gatehouse | undefined;
  try {
    if (options.migrate !== false) await applyMigrations(orm);
    gatehouse = createRuntime(settings, keys, orm, options.hooks, { warn: options.warn, logger, clock: options.clock });
    const { bus } = gatehouse;
    await bus.attach(gatehouse.sessions);
    const schema = await servedGatehouseSchema();
    const readiness = async (): Promise<Readiness> => {
      const [database, busUp] = await Promise.all([databaseAnswers(orm), bus.ready().catch(() => false)]);
      return { database: database ? 'up' : 'down', bus: { name: bus.name, state: busUp ? 'up' : 'down' } };
    };
    // The handler is given Apollo once it exists: Apollo needs the WebSocket server's drain plugin, which needs the HTTP server.
    let handle: ((request: IncomingMessage, response: ServerResponse) => Promise<void>) | undefined;
    const server = createServer(httpServerOptions(settings), (request, response) => void handle?.(request, response));
    // GraphQL over WebSocket on the same server and path (upgrades of /graphql).
    const subscriptions = gatehouseSubscriptions({ gatehouse, schema, server, log });
    const apollo = createApollo(schema, settings, log, [subscriptions.plugin]);
    await apollo.start();
    const running = gatehouse;
    let stopping: Promise<void> | undefined;
    // An in-flight request's keep-alive connection would sit idle once answered and hold
    // `server.close()` until SHUTDOWN_TIMEOUT: once stopping, an answer not yet sent asks
    // its client to close the connection (`closeIdleConnections` only ends the idle ones).
    const unanswered = new Set<ServerResponse>();
    let allAnswered: (() => void) | undefined;
    const closeAfter = (response: ServerResponse) => {
      if (!response.headersSent) response.setHeader('connection', 'close');
    };
    // Told by the request handler (one 'close' listener per response: the log line's).
    handle = createRequestHandler(gatehouse, apollo, readiness, logger, {
      opened(response) {
        unanswered.add(response);
        if (stopping) closeAfter(response);
      },
      closed(response) {
        unanswered.delete(response);
        if (unanswered.size === 0) allAnswered?.();
      },
    });
    // METRICS_PORT first: a port that is taken stops start-up before the API listens.
    const metricsUrl = await gatehouse.serveMetrics();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.server.port, settings.server.host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const stop = () =>
      (stopping ??= (async () => {
        // Stop accepting; let in-flight HTTP requests finish (up to SHUTDOWN_TIMEOUT); then
        // Apollo drains, which closes every WebSocket with 1001; then close the pools.
        unanswered.forEach(closeAfter);
        const timeout = settings.server.shutdownTimeout * 1000;
        const closed = new Promise<void>((resolve) => {
          const force = setTimeout(() => server.closeAllConnections(), timeout);
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
        });
        if (unanswered.size > 0) {
          await new Promise<void>((resolve) => {
            const late = setTimeout(resolve, timeout);
            allAnswered = () => {
              clearTimeout(late);
              resolve();
            };
          });
        }
        await apollo.stop();
        await closed;
        await running.close();
        await orm.close(true);
      })());
    return { gatehouse: running, server, url: `http://${host}:${address.port}/graphql`, metricsUrl, stop };
  } catch (error) {
    await gatehouse?.close();
    await orm.close(true);
    throw error;
  }
}

/**
 * `node:http` options from the settings: Node's defaults (60 s for headers, 300 s for the
 * whole request, checked every 30 s) let a stalled upload hold its buffer for minutes; an
 * auth API's requests are small, so headers must arrive within `HTTP_HEADERS_TIMEOUT` and
 * the whole request within `HTTP_REQUEST_TIMEOUT` (the body's only deadline: `http.ts` sets no timer),
 * checked every second.
 */
export function httpServerOptions(settings: Pick<Settings, 'server'>): ServerOptions {
  return {
    keepAliveTimeout: 65_000,
    headersTimeout: settings.server.headersTimeout * 1000,
    requestTimeout: settings.server.requestTimeout * 1000,
    connectionsCheckingInterval: 1000,
  };
}

/** True when the database answers a trivial query. */
async function databaseAnswers(orm: MikroORM): Promise<boolean> {
  try {
    await orm.em.getConnection().execute('select 1');
    return true;
  } catch {
    return false;
  }
}
