import type { InvalidationBus } from '../cluster/bus';
import type { Invalidation, SessionCache } from '../sessions/cache';
import type { GatehouseEvent, GatehouseEvents } from './events';

/** What a committed change leaves behind: cached state to drop everywhere, and its events. */
export interface Settlement {
  invalidations: Invalidation[];
  events: GatehouseEvent[];
}

export interface SettleDeps {
  sessions: SessionCache;
  bus: InvalidationBus;
  events: GatehouseEvents;
  warn: (message: string) => void;
}

/**
 * The one thing that follows every committed session change, in this order: this
 * process's cache drops what the change made stale (so its next check asks the database),
 * every other instance is told over the invalidation bus (awaited, so a CLI command has
 * told them before it exits), and the events are emitted. A bus that cannot be reached is
 * reported, not thrown: the change is committed, and instances without a bus check the
 * database (see `SessionCache.setBypass`).
 *
 * @example
 * await settle(deps, { invalidations: [{ kind: 'device', id }], events: [ended] });
 */
export async function settle(deps: SettleDeps, settlement: Settlement): Promise<void> {
  for (const invalidation of settlement.invalidations) deps.sessions.apply(invalidation);
  if (settlement.invalidations.length > 0 && deps.bus.name !== 'local') {
    const sent = await Promise.allSettled(settlement.invalidations.map((invalidation) => deps.bus.announce(invalidation)));
    const failed = sent.find((result) => result.status === 'rejected');
    if (failed) deps.warn(`gatehouse: ${deps.bus.name}: could not tell other instances about a session change (${(failed as PromiseRejectedResult).reason})`);
  }
  for (const event of settlement.events) deps.events.emit(event);
}
