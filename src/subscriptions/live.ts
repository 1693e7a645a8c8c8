import type { SessionSignal } from '../cluster/signals';
import type { TokenProblem } from '../errors';
import type { AccessClaims } from '../tokens/access/claims';
import type { Clock } from '../util/clock';
import { Channel } from './channel';
import { CLOSE } from './close-codes';
import { ExpiryWatch } from './expiry';

/** The contract's `SessionEventType`. */
export type SessionEventKind = 'SIGNED_IN' | 'SIGNED_OUT' | 'REVOKED' | 'PASSWORD_CHANGED';

/** What a `sessionEvents` subscription receives (the resolver turns `deviceId` into the `Device`). */
export interface SessionEventPayload {
  type: SessionEventKind;
  userId: string;
  deviceId: string | null;
  /** Milliseconds since the epoch, by the clock of the instance that made the change. */
  at: number;
}

/**
 * Which `sessionEvents` type a device's end is, by the store's `EndReason`. A reason that
 * is not here (a password change, whose `PASSWORD_CHANGED` follows in the same settlement,
 * or a reason added later) sends no event of its own, and its socket closes after
 * `FOLLOW_UP_MS`, so the event that follows it reaches the socket first.
 */
export const END_EVENTS: Readonly<Record<string, SessionEventKind>> = {
  logout: 'SIGNED_OUT',
  logout_device: 'SIGNED_OUT',
  logout_others: 'SIGNED_OUT',
  revoked: 'SIGNED_OUT',
  evicted: 'SIGNED_OUT',
  reused: 'REVOKED',
};

/** How long a socket whose device ended without an event of its own waits for the one that may follow (ms). */
export const FOLLOW_UP_MS = 100;
/** How long a closing socket waits for its last events to be sent (ms), so a stuck client cannot hold a revoked socket open. */
export const DELIVERY_WAIT_MS = 250;

/** One signed-in socket as the registry knows it. */
export interface LiveSocket {
  readonly claims: AccessClaims;
  /** Opens a `sessionEvents` subscription of this socket. */
  sessionEvents(): Channel<SessionEventPayload>;
  /** Forgets the socket (it closed). */
  unregister(): void;
  /** True once the registry has closed it or decided to. */
  readonly ending: boolean;
}

export interface LiveSessionsOptions {
  clock: Clock;
  /** JWT_LEEWAY, seconds: a socket's token expires at `exp + leeway`, as on HTTP. */
  leeway: number;
  /** Checks a connected socket's token again (after a change this file cannot judge by itself); null when still usable. */
  recheck(claims: AccessClaims): Promise<TokenProblem | null>;
  /** Where failures go. */
  onError(error: unknown): void;
}

class Entry implements LiveSocket {
  readonly channels = new Set<Channel<SessionEventPayload>>();
  readonly pending = new Set<Promise<void>>();
  /** Its close is decided (it may still be sent the events that come first). */
  ending = false;
  /** Gone: closed and forgotten. */
  closed = false;

  constructor(
    private readonly owner: LiveSessions,
    readonly claims: AccessClaims,
    readonly close: (code: number, reason: string) => void,
  ) {}

  sessionEvents(): Channel<SessionEventPayload> {
    const channel: Channel<SessionEventPayload> = new Channel(() => this.channels.delete(channel));
    if (this.ending) channel.end();
    else this.channels.add(channel);
    return channel;
  }

  unregister(): void {
    this.owner.forget(this);
  }
}

/**
 * The signed-in WebSockets of this process, by user, and what happens to them when a
 * session signal arrives, from this instance (`gh.events`) or another (the bus):
 *
 * - `sessionEvents` subscribers of that user get the event (never another user's);
 * - the sockets it ends close with 4403 `SESSION_REVOKED`, after the event has been sent
 *   to them (or `DELIVERY_WAIT_MS` passed): its device signed out or revoked, a password
 *   change or a deleted account (every socket of the user; the deletion sends no event),
 *   an ended app token or any other account change
 *   (the sockets concerned are checked again, as `@auth` would check their token);
 * - at its token's `exp` (+ `JWT_LEEWAY`), on `gh.clock`, a socket closes with 4403
 *   `TOKEN_EXPIRED` (one timer for all, see `ExpiryWatch`).
 *
 * @example
 * const socket = gh.live.register(claims, (code, reason) => ws.close(code, reason));
 */
export class LiveSessions {
  private readonly byUser = new Map<string, Set<Entry>>();
  private readonly expiry: ExpiryWatch<Entry>;
  private count = 0;

  constructor(private readonly options: LiveSessionsOptions) {
    this.expiry = new ExpiryWatch(options.clock, (entry) => this.end(entry, 'TOKEN_EXPIRED', 0));
  }

  /** Signed-in sockets held now. */
  get size(): number {
    return this.count;
  }

  /** How many signed-in sockets `userId` holds here. */
  socketsOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Adds a signed-in socket; `close` closes it with a code and reason. */
  register(claims: AccessClaims, close: (code: number, reason: string) => void): LiveSocket {
    const entry = new Entry(this, claims, close);
    let sockets = this.byUser.get(claims.sub);
    if (!sockets) this.byUser.set(claims.sub, (sockets = new Set()));
    sockets.add(entry);
    this.count += 1;
    this.expiry.add(entry, (claims.exp + this.options.leeway) * 1000);
    return entry;
  }

  /** @internal Forgets a socket that closed. */
  forget(entry: Entry): void {
    const sockets = this.byUser.get(entry.claims.sub);
    if (!sockets?.delete(entry)) return;
    if (sockets.size === 0) this.byUser.delete(entry.claims.sub);
    this.count -= 1;
    this.expiry.remove(entry);
    entry.ending = true;
    entry.closed = true;
    for (const channel of [...entry.channels]) channel.end();
  }

  /** What a session signal does to this process's sockets (see the class comment). */
  receive(signal: SessionSignal): void {
    const sockets = this.byUser.get(signal.userId);
    if (!sockets) return;
    const all = [...sockets];
    switch (signal.type) {
      case 'session.started':
        return this.deliver(all, { type: 'SIGNED_IN', userId: signal.userId, deviceId: signal.deviceId, at: signal.at });
      case 'session.ended': {
        const kind = END_EVENTS[signal.reason];
        if (kind) this.deliver(all, { type: kind, userId: signal.userId, deviceId: signal.deviceId, at: signal.at });
        for (const entry of all) if (entry.claims.sid === signal.deviceId) this.end(entry, 'SESSION_REVOKED', kind ? 0 : FOLLOW_UP_MS);
        return;
      }
      case 'password.changed':
        this.deliver(all, { type: 'PASSWORD_CHANGED', userId: signal.userId, deviceId: null, at: signal.at });
        for (const entry of all) this.end(entry, 'SESSION_REVOKED', 0);
        return;
      case 'account.deleted':
        // Not a recheck: a user that no longer exists would read as INVALID_TOKEN, and the contract says SESSION_REVOKED.
        for (const entry of all) this.end(entry, 'SESSION_REVOKED', 0);
        return;
      case 'app_token.ended':
        return this.recheck(all.filter((entry) => entry.claims.app === signal.app));
      case 'user.changed':
        return this.recheck(all);
    }
  }

  /** Stops the expiry timer (the sockets themselves are closed by the server's drain). */
  close(): void {
    this.expiry.close();
  }

  private deliver(entries: Entry[], payload: SessionEventPayload): void {
    for (const entry of entries) {
      if (entry.closed) continue;
      for (const channel of entry.channels) {
        const sent = channel.push(payload);
        entry.pending.add(sent);
        void sent.then(() => entry.pending.delete(sent));
      }
    }
  }

  private recheck(entries: Entry[]): void {
    for (const entry of entries) {
      if (entry.ending) continue;
      this.options.recheck(entry.claims).then(
        (problem) => {
          if (problem) this.end(entry, problem, 0);
        },
        (error) => this.options.onError(error),
      );
    }
  }

  /**
   * Closes a socket with 4403 and `reason`: after `delay` ms (events that follow may still
   * reach it meanwhile), once the events queued for it are sent (at most `DELIVERY_WAIT_MS`).
   */
  private end(entry: Entry, reason: TokenProblem, delay: number): void {
    if (entry.ending) return;
    entry.ending = true;
    this.expiry.remove(entry);
    const later = delay > 0 ? new Promise<void>((resolve) => setTimeout(resolve, delay).unref()) : Promise.resolve();
    const wait = later.then(
      () =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, DELIVERY_WAIT_MS);
          timer.unref();
          void Promise.all(entry.pending).then(() => {
            clearTimeout(timer);
            resolve();
          });
        }),
    );
    void wait.then(() => {
      try {
        entry.close(CLOSE.forbidden, reason);
      } catch (error) {
        this.options.onError(error);
      }
    });
  }
}
