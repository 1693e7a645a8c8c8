import type { Invalidation, SessionCache } from '../sessions/cache';

/**
 * Carries session-cache invalidations between Gatehouse instances, so a logout, a password
 * change or a reuse-detected revocation on one is seen by all within a second.
 */
export interface InvalidationBus {
  readonly name: string;
  /** Connects the bus to this process's cache: local forgets go out, remote ones come in. */
  attach(cache: SessionCache): Promise<void>;
  /** Sends one invalidation to the other instances and waits until it is handed over (after `attach`). */
  announce(event: Invalidation): Promise<void>;
  /** True when the bus (and its server) answers. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export const CHANNEL = 'gatehouse_invalidate';

/** Encodes an event with the sending process's id, so a process skips its own. */
export function encode(origin: string, event: Invalidation): string {
  return JSON.stringify({ o: origin, k: event.kind, i: event.id });
}

/** Decodes a message; null for one from this process or one that is not ours. */
export function decode(origin: string, text: string): Invalidation | null {
  try {
    const message = JSON.parse(text) as { o?: unknown; k?: unknown; i?: unknown };
    if (message.o === origin || typeof message.i !== 'string') return null;
    if (message.k !== 'user' && message.k !== 'device' && message.k !== 'app') return null;
    return { kind: message.k, id: message.i };
  } catch {
    return null;
  }
}

/** No other instances to tell (SQLite, one process). */
export const localBus: InvalidationBus = {
  name: 'local',
  async attach() {},
  async announce() {},
  async ready() {
    return true;
  },
  async close() {},
};
