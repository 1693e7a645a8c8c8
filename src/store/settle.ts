import type { InvalidationBus } from '../cluster/bus';
import { toSignal } from '../cluster/signals';
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
 * told them before it exits): first the invalidations, then the events' session signals
 * (`toSignal`: ids, type, reason, time), sent in that order on one connection so another
 * instance has dropped its cache before its sockets hear of the change; and the events
 * are emitted here (this process's sockets hear of them through `gh.events`). A bus that cannot be reached is
 * reported, not thrown: the change is committed, and instances without a bus check the
 * database (see `SessionCache.setBypass`).
 *
 * @example
 * await settle(deps, { invalidations: [{ kind: 'device', id }], events: [ended] });
 */
export async function settle(deps: SettleDeps, settlement: Settlement): Promise<void> {
  for (const invalidation of settlement.invalidations) deps.sessions.apply(invalidation);
  const signals = deps.bus.name === 'local' ? [] : settlement.events.map(toSignal).filter((signal) => signal !== null);
  if ((settlement.invalidations.length > 0 || signals.length > 0) && deps.bus.name !== 'local') {
    const sent = await Promise.allSettled([
      ...settlement.invalidations.map((invalidation) => deps.bus.announce(invalidation)),
      ...signals.map((signal) => deps.bus.announceSignal(signal)),
    ]);
    const failed = sent.find((result) => result.status === 'rejected');
    if (failed) deps.warn(`gatehouse: ${deps.bus.name}: could not tell other instances about a session change (${(failed as PromiseRejectedResult).reason})`);
  }
  for (const event of settlement.events) deps.events.emit(event);
}
