import { type Clock, systemClock } from '../util/clock';

/**
 * A small per-process cache of what `@auth` needs to know about users and device
 * sessions, so a protected request costs no database round trip while the entry is fresh.
 * Entries live `JWT_SESSION_CACHE_TTL`; logouts made in this process drop them at once,
 * and, with several instances, an invalidation bus (Redis pub/sub or PostgreSQL
 * LISTEN/NOTIFY, see `src/cluster/`) tells the other processes to drop theirs.
 */

/** What one process tells the others: forget this user, this device, or this user's app token (`userId:app`). */
export interface Invalidation {
  kind: 'user' | 'device' | 'app';
  id: string;
}

/**
 * A user's live app token for one app, as `@auth` checks delegated access tokens:
 * when it was created (seconds), or null when there is none.
 */
export interface AppTokenSnapshot {
  createdAt: number | null;
}

export interface UserSnapshot {
  id: string;
  username: string;
  email: string | null;
  roles: string[];
  isActive: boolean;
  lastLogin: Date | null;
  dateJoined: Date;
  /** Access tokens with `iat` (seconds) below this are refused (see `firstValidIat`); 0 when never set. */
  tokensValidAfter: number;
}

export interface DeviceSnapshot {
  id: string;
  userId: string;
  revoked: boolean;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  lastSeenAt: number;
}

class TtlMap<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  constructor(private readonly ttlMs: number, private readonly maxEntries: number) {}

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, now: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, until: now + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

export class SessionCache {
  private readonly users: TtlMap<UserSnapshot>;
  private readonly devices: TtlMap<DeviceSnapshot>;
  private readonly appTokens: TtlMap<AppTokenSnapshot>;
  /** Called on every local forget, to tell other instances (set by the invalidation bus). */
  publish: ((event: Invalidation) => void) | undefined;
  /** While true (the bus is down), nothing is cached: every check asks the database. */
  private bypass = false;

  constructor(ttlSeconds: number, private readonly clock: Clock = systemClock, maxEntries = 50_000) {
    this.users = new TtlMap(ttlSeconds * 1000, maxEntries);
    this.devices = new TtlMap(ttlSeconds * 1000, maxEntries);
    this.appTokens = new TtlMap(ttlSeconds * 1000, maxEntries);
  }

  user(id: string, now = this.clock.now()) {
    return this.bypass ? undefined : this.users.get(id, now);
  }
  rememberUser(user: UserSnapshot, now = this.clock.now()) {
    if (!this.bypass) this.users.set(user.id, user, now);
  }
  device(id: string, now = this.clock.now()) {
    return this.bypass ? undefined : this.devices.get(id, now);
  }
  rememberDevice(device: DeviceSnapshot, now = this.clock.now()) {
    if (!this.bypass) this.devices.set(device.id, device, now);
  }

  appToken(key: string, now = this.clock.now()) {
    return this.bypass ? undefined : this.appTokens.get(key, now);
  }
  rememberAppToken(key: string, token: AppTokenSnapshot, now = this.clock.now()) {
    if (!this.bypass) this.appTokens.set(key, token, now);
  }

  /** Forget a user (deactivated, roles or password changed), here and in every other instance. */
  forgetUser(id: string) {
    this.users.delete(id);
    this.publish?.({ kind: 'user', id });
  }
  /** Forget a device (ended, revoked), here and in every other instance. */
  forgetDevice(id: string) {
    this.devices.delete(id);
    this.publish?.({ kind: 'device', id });
  }
  /** Forget a user's app token for one app (revoked, replaced), here and in every other instance. */
  forgetAppToken(key: string) {
    this.appTokens.delete(key);
    this.publish?.({ kind: 'app', id: key });
  }
  /** Apply another instance's invalidation (not published again). */
  apply(event: Invalidation) {
    ({ user: this.users, device: this.devices, app: this.appTokens })[event.kind].delete(event.id);
  }
  /**
   * Stop (true) or resume (false) caching. Used while the invalidation bus is down, when
   * other instances' logouts cannot reach this one; resuming starts from an empty cache.
   */
  setBypass(bypass: boolean) {
    this.bypass = bypass;
    this.clear();
  }
  clear() {
    this.users.clear();
    this.devices.clear();
    this.appTokens.clear();
  }
}
