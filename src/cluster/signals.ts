import type { GatehouseEvent } from '../store/events';

/**
 * A session event as it travels between instances: the second kind of bus message, next to
 * cache invalidations. Only ids, the type, the reason and the time: never a token, a hash,
 * a name or an address. Each instance hands the signals it receives (and those of its own
 * events) to its open WebSockets (`src/subscriptions/live.ts`): that is how a logout on one
 * instance closes a socket on another and reaches `sessionEvents` there.
 */
export type SessionSignal =
  /** A `tokenAuth` created a device session. */
  | { type: 'session.started'; userId: string; deviceId: string; at: number }
  /** A device session ended; `reason` is the store's `EndReason` (or one added later). */
  | { type: 'session.ended'; userId: string; deviceId: string; reason: string; at: number }
  /** The user's password changed: every session and app token of the user ended. */
  | { type: 'password.changed'; userId: string; at: number }
  /** The account was deleted: every socket of the user closes (`SESSION_REVOKED`, as the contract fixes), with no event. */
  | { type: 'account.deleted'; userId: string; at: number }
  /** One of the user's app tokens ended (revoked, or replaced by a new one for the same app). */
  | { type: 'app_token.ended'; userId: string; app: string; at: number }
  /** Anything else that changed the account (an event type this file does not know): sockets check again. */
  | { type: 'user.changed'; userId: string; at: number };

export type SessionSignalType = SessionSignal['type'];

/** Event types that never end a socket or reach `sessionEvents`. */
const QUIET: ReadonlySet<string> = new Set(['session.refreshed', 'login.failed', 'login.rate_limited', 'refresh.refused', 'account.registered']);

/**
 * The signal of a store event, or null for one that sockets need not hear about. An event
 * type added later that names a user becomes `user.changed`, so whatever it is, sockets of
 * that user are checked again instead of being forgotten.
 *
 * @example
 * toSignal({ type: 'session.ended', userId, deviceId, reason: 'logout', at, origin }); // { type: 'session.ended', userId, deviceId, reason: 'logout', at }
 */
export function toSignal(event: GatehouseEvent): SessionSignal | null {
  switch (event.type) {
    case 'session.started':
      return { type: 'session.started', userId: event.userId, deviceId: event.deviceId, at: event.at };
    case 'session.ended':
      return { type: 'session.ended', userId: event.userId, deviceId: event.deviceId, reason: event.reason, at: event.at };
    case 'password.changed':
      return { type: 'password.changed', userId: event.userId, at: event.at };
    case 'account.deleted':
      return { type: 'account.deleted', userId: event.userId, at: event.at };
    case 'app_token.revoked':
      return { type: 'app_token.ended', userId: event.userId, app: event.app, at: event.at };
    case 'app_token.created':
      return event.replaced > 0 ? { type: 'app_token.ended', userId: event.userId, app: event.app, at: event.at } : null;
    default: {
      const other = event as { type: string; userId?: unknown; at: number };
      if (QUIET.has(other.type) || typeof other.userId !== 'string') return null;
      return { type: 'user.changed', userId: other.userId, at: other.at };
    }
  }
}

const ID = /^[A-Za-z0-9:_.@-]{1,200}$/;
const REASON = /^[a-z_]{1,40}$/;

/** The wire form of a signal (short keys, as the invalidations have). */
export function signalFields(signal: SessionSignal): Record<string, unknown> {
  const fields: Record<string, unknown> = { t: signal.type, u: signal.userId, at: signal.at };
  if ('deviceId' in signal) fields.d = signal.deviceId;
  if ('reason' in signal) fields.r = signal.reason;
  if ('app' in signal) fields.a = signal.app;
  return fields;
}

/** A signal from its wire form; null for anything malformed (a bus message is not trusted blindly). */
export function signalFrom(fields: Record<string, unknown>): SessionSignal | null {
  const { t, u, at, d, r, a } = fields;
  if (typeof u !== 'string' || !ID.test(u) || typeof at !== 'number' || !Number.isFinite(at)) return null;
  const id = (value: unknown): value is string => typeof value === 'string' && ID.test(value);
  switch (t) {
    case 'session.started':
      return id(d) ? { type: t, userId: u, deviceId: d, at } : null;
    case 'session.ended':
      return id(d) && typeof r === 'string' && REASON.test(r) ? { type: t, userId: u, deviceId: d, reason: r, at } : null;
    case 'password.changed':
    case 'account.deleted':
    case 'user.changed':
      return { type: t, userId: u, at };
    case 'app_token.ended':
      return id(a) ? { type: t, userId: u, app: a, at } : null;
    default:
      return null;
  }
}
