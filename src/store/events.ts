/**
 * What happens to sessions and accounts, as one stream of domain events. The session store
 * emits one event per change after its transaction commits; audit lines, metrics and
 * subscriptions listen here instead of being written next to each change.
 */

/** Why a device session ended. */
export type EndReason =
  /** `logout`: the device of the calling access token. */
  | 'logout'
  /** `logoutDevice(id)`. */
  | 'logout_device'
  /** `logoutOtherDevices`. */
  | 'logout_others'
  /** `revokeRefreshToken` of a device token. */
  | 'revoked'
  /** A rotated refresh token presented again after the grace window (theft). */
  | 'reused'
  /** A password change (`changePassword`, `users set-password`). */
  | 'password_changed'
  /** A login past `MAX_DEVICES_PER_USER` ended the user's least recently seen device. */
  | 'evicted';

/** Where a change came from, for the audit line: a request (its id) or the CLI. */
export interface Origin {
  requestId?: string;
  via?: 'api' | 'cli';
}

interface Base {
  /** Milliseconds since the epoch, by the instance's clock. */
  at: number;
  origin: Origin;
}

export type GatehouseEvent = Base &
  (
    | { type: 'session.started'; userId: string; username: string; deviceId: string }
    | { type: 'session.refreshed'; userId: string; deviceId: string; outcome: 'rotated' | 'grace' }
    | { type: 'session.ended'; userId: string; deviceId: string; reason: EndReason }
    | { type: 'password.changed'; userId: string; endedDevices: number }
    | { type: 'app_token.created'; userId: string; app: string; replaced: number }
    | { type: 'app_token.revoked'; userId: string; app: string }
    | { type: 'login.failed'; username: string; reason: string }
    | { type: 'login.rate_limited'; username: string }
    | { type: 'refresh.refused'; reason: string }
  );

export type GatehouseEventType = GatehouseEvent['type'];

export type Listener = (event: GatehouseEvent) => void;

/**
 * A synchronous event stream. A listener that throws is reported to `onListenerError` and
 * does not stop the others: the change it reports has already committed.
 *
 * @example
 * const off = gh.events.on((event) => { if (event.type === 'session.ended') console.log(event.reason); });
 */
export class GatehouseEvents {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  /** Adds a listener; returns the function that removes it. */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: GatehouseEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
