import type { AuthPayloadUser } from '../types/auth-payload';
import { type Clock, systemClock } from '../util/clock';

/**
 * A small per-process cache of what `@auth` needs to know about users and device
 * sessions, so a protected request costs no database round trip while the entry is fresh.
 * Entries live `JWT_SESSION_CACHE_TTL`; logouts made in this process drop them at once,
 * and, with several instances, an invalidation bus (Redis pub/sub or PostgreSQL
 * LISTEN/NOTIFY, see `src/cluster/`) tells the other processes to drop theirs.
 */
import { estimateBytes } from '../util/estimate-bytes';
import { TtlMap } from '../util/ttl-map';

/** How many snapshots of each kind (users, devices, app tokens) a process remembers by default. */
export const SESSION_CACHE_SIZE = 50_000;

/** How many bytes of snapshots of each kind a process remembers by default (see `estimateBytes`). */
export const SESSION_CACHE_BYTES = 16 * 1024 * 1024;

/** What one snapshot takes: its key (2 bytes a character) and an estimate of the snapshot. */
const snapshotBytes = (key: string, snapshot: object) => 2 * key.length + estimateBytes(snapshot);

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

/** A user as `@auth` checks it: the schema's `User` fields, and when its tokens start to count. */
export interface UserSnapshot extends AuthPayloadUser {
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

export class SessionCache {
  private readonly users: TtlMap<UserSnapshot>;
  private readonly devices: TtlMap<DeviceSnapshot>;
  private readonly appTokens: TtlMap<AppTokenSnapshot>;
  /** Called on every local forget, to tell other instances (set by the invalidation bus). */
  publish: ((event: Invalidation) => void) | undefined;
  /** While true (the bus is down), nothing is cached: every check asks the database. */
  private bypass = false;

  /** Each kind of snapshot is bounded on its own: `maxEntries` entries and `maxBytes` bytes. */
  constructor(ttlSeconds: number, private readonly clock: Clock = systemClock, maxEntries = SESSION_CACHE_SIZE, maxBytes = SESSION_CACHE_BYTES) {
    const bounds = { ttlMs: ttlSeconds * 1000, maxEntries, maxBytes, sizeOf: snapshotBytes };
    this.users = new TtlMap<UserSnapshot>(bounds);
    this.devices = new TtlMap<DeviceSnapshot>(bounds);
    this.appTokens = new TtlMap<AppTokenSnapshot>(bounds);
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
