import type { MikroORM } from '@mikro-orm/core';
import pino from 'pino';
import { chooseBus } from '../cluster/choose';
import { auditListener } from '../logging/audit-listener';
import { createLogger } from '../logging/logger';
import { SessionCache } from '../sessions/cache';
import type { Settings } from '../settings';
import { GatehouseEvents } from '../store/events';
import { SessionStore } from '../store/store';
import { systemClock } from '../util/clock';
import { migrate } from '../db/orm';
import { User } from '../entities';
import { UserInputError } from '../users/create';
import { withDatabase } from './command';

/** The session store of one CLI command, and whether running servers can be told about its changes. */
export interface CliStore {
  store: SessionStore;
  /** The bus running servers listen on ('redis', 'postgres'), or null when there is none or it does not answer. */
  bus: string | null;
  close(): Promise<void>;
}

/**
 * The same session store a server uses, for a CLI command: its writes settle the same way
 * (running servers are told over Redis or PostgreSQL LISTEN/NOTIFY before the command
 * exits) and write the same audit lines, to standard error so they stay out of the
 * command's output.
 *
 * @example
 * const { store, close } = await openCliStore(settings, orm, io.err);
 */
export async function openCliStore(settings: Settings, orm: MikroORM, warn: (line: string) => void): Promise<CliStore> {
  const bus = chooseBus(settings, () => undefined);
  const sessions = new SessionCache(0);
  let reachable = bus.name !== 'local';
  if (reachable) await bus.attach(sessions).catch(() => (reachable = false));
  if (reachable) reachable = await bus.ready();
  const log = createLogger(settings, pino.destination({ dest: 2, sync: true }));
  const events = new GatehouseEvents((error) => warn(`gatehouse: an event listener failed: ${String(error)}`));
  events.on(auditListener(log));
  const store = new SessionStore({ orm, clock: systemClock, settings, sessions, bus, events, warn: reachable ? warn : () => undefined });
  return { store, bus: reachable ? bus.name : null, close: () => bus.close() };
}

/**
 * What the commands that change one user do first and last: the database (migrated), the
 * user named `username` (UNKNOWN_USER when there is none), and the CLI's session store,
 * closed afterwards.
 *
 * @example
 * await withUserStore(settings, io.err, 'ada', (user, cli) => cli.store.markEmailVerified(user.id, { via: 'cli' }));
 */
export async function withUserStore<T>(settings: Settings, warn: (line: string) => void, username: string, fn: (user: User, cli: CliStore) => Promise<T>): Promise<T> {
  return withDatabase(settings, async (orm) => {
    await migrate(orm);
    const user = await orm.em.fork().findOne(User, { username });
    if (!user) throw new UserInputError('UNKNOWN_USER', `There is no user named "${username}".`);
    const cli = await openCliStore(settings, orm, warn);
    try {
      return await fn(user, cli);
    } finally {
      await cli.close();
    }
  });
}
