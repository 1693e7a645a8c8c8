import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/core';
import { migrate as applyMigrations, openDatabase } from '../db/orm';
import { buildGatehouseSchema } from '../graphql/schema';
import { createRuntime, type Gatehouse, type GatehouseHooks } from '../runtime';
import type { Settings } from '../settings';
import { loadTokenKeys } from '../tokens/keys';
import { createLogger, type Logger } from '../logging/logger';
import { createApollo } from './apollo';
import { createRequestHandler } from './http';

export interface StartOptions {
  settings: Settings;
  hooks?: GatehouseHooks;
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /** Where unexpected errors go (default: the logger, level error). */
  log?: (error: unknown) => void;
  /** Request and audit lines (pino). Default: stdout at `LOG_LEVEL`. */
  logger?: Logger;
}

export interface RunningGatehouse {
  gatehouse: Gatehouse;
  server: Server;
  /** e.g. http://127.0.0.1:4000/graphql */
  url: string;
  stop(): Promise<void>;
}

/** Opens the database, migrates, and serves Gatehouse over HTTP. */
export async function startGatehouse(options: StartOptions): Promise<RunningGatehouse> {
  const { settings } = options;
  const logger = options.logger ?? createLogger(settings);
  const log = options.log ?? ((error: unknown) => logger.error({ err: error }, 'unexpected error'));
  const keys = loadTokenKeys(settings);
  const orm: MikroORM = await openDatabase(settings);
  try {
    if (options.migrate !== false) await applyMigrations(orm);
    const gatehouse = createRuntime(settings, keys, orm, options.hooks, logger);
    const apollo = createApollo(await buildGatehouseSchema(), settings, log);
    await apollo.start();
    const ready = async () => orm.isConnected();
    const server = createServer({ keepAliveTimeout: 65_000 }, createRequestHandler(gatehouse, apollo, ready));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, settings.host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await apollo.stop();
        await orm.close(true);
      })());
    return { gatehouse, server, url: `http://${host}:${address.port}/graphql`, stop };
  } catch (error) {
    await orm.close(true);
    throw error;
  }
}
