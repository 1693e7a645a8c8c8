import type { Invalidation, SessionCache } from '../sessions/cache';
import { type SessionSignal, signalFields, signalFrom } from './signals';

/**
 * Carries what one Gatehouse instance must tell the others, in two kinds of message:
 * session-cache invalidations, so a logout, a password change or a reuse-detected
 * revocation on one is refused by all within a second, and session signals (ids, type,
 * reason, time), so a WebSocket on another instance closes and `sessionEvents` reaches
 * subscribers there. A process never receives its own messages back.
 */
export interface InvalidationBus {
  readonly name: string;
  /** Connects the bus to this process's cache: local forgets go out, remote ones come in. */
  attach(cache: SessionCache): Promise<void>;
  /** Sends one invalidation to the other instances and waits until it is handed over (after `attach`). */
  announce(event: Invalidation): Promise<void>;
  /** Sends one session signal to the other instances and waits until it is handed over (after `attach`). */
  announceSignal(signal: SessionSignal): Promise<void>;
  /** Adds a receiver of the other instances' signals; returns the function that removes it. */
  onSignal(listener: (signal: SessionSignal) => void): () => void;
  /** True when the bus (and its server) answers. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export const CHANNEL = 'gatehouse_invalidate';

/** Encodes an invalidation with the sending process's id, so a process skips its own. */
export function encode(origin: string, event: Invalidation): string {
  return JSON.stringify({ o: origin, k: event.kind, i: event.id });
}

/** Encodes a session signal (kind `s`) with the sending process's id. */
export function encodeSignal(origin: string, signal: SessionSignal): string {
  return JSON.stringify({ o: origin, k: 's', ...signalFields(signal) });
}

/** Decodes an invalidation; null for one from this process, a signal, or one that is not ours. */
export function decode(origin: string, text: string): Invalidation | null {
  const message = decodeMessage(origin, text);
  return message && 'invalidation' in message ? message.invalidation : null;
}

/** Decodes either kind of message; null for one from this process or one that is not ours. */
export function decodeMessage(origin: string, text: string): { invalidation: Invalidation } | { signal: SessionSignal } | null {
  try {
    const message = JSON.parse(text) as Record<string, unknown>;
    if (typeof message !== 'object' || message === null || message.o === origin) return null;
    if (message.k === 's') {
      const signal = signalFrom(message);
      return signal ? { signal } : null;
    }
    if (typeof message.i !== 'string') return null;
    if (message.k !== 'user' && message.k !== 'device' && message.k !== 'app') return null;
    return { invalidation: { kind: message.k, id: message.i } };
  } catch {
    return null;
  }
}

/** The receivers of one bus's signals; a receiver that throws does not stop the others. */
export class SignalReceivers {
  private readonly listeners = new Set<(signal: SessionSignal) => void>();

  add(listener: (signal: SessionSignal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hands a decoded message to the cache or to the signal receivers. */
  deliver(message: ReturnType<typeof decodeMessage>, cache: SessionCache | undefined): void {
    if (!message) return;
    if ('invalidation' in message) return cache?.apply(message.invalidation);
    for (const listener of this.listeners) {
      try {
        listener(message.signal);
      } catch {
        // The receiver (the socket registry) reports its own failures.
      }
    }
  }
}

/** No other instances to tell (SQLite, one process). */
export const localBus: InvalidationBus = {
  name: 'local',
  async attach() {},
  async announce() {},
  async announceSignal() {},
  onSignal() {
    return () => undefined;
  },
  async ready() {
    return true;
  },
  async close() {},
};
