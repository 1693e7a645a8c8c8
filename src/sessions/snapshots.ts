import type { EntityManager } from '@mikro-orm/core';
import { Device, RefreshToken, User } from '../entities';
import type { Gatehouse } from '../runtime';
import { appTokenKey } from '../app-tokens/rules';
import type { AppTokenSnapshot, DeviceSnapshot, UserSnapshot } from './cache';

/**
 * The first `iat` (seconds) an access token may carry after a password change made at
 * `changedAt` (milliseconds). `iat` only tells the second a token was signed in, so a
 * token with `iat` equal to the change's second may have been signed just before it: it
 * is refused, and tokens signed after the change carry at least the next second (see
 * `issueAccessToken`, which waits out the rest of that second when it must).
 *
 * @example firstValidIat(new Date(1_700_000_000_250)) // 1700000001
 */
export function firstValidIat(changedAt: Date | null): number {
  return changedAt ? Math.floor(changedAt.getTime() / 1000) + 1 : 0;
}

/** An EntityManager, or a function that makes one when it is first needed (a cache hit needs none). */
export type LazyEntityManager = EntityManager | (() => EntityManager);

const resolveEm = (em: LazyEntityManager): EntityManager => (typeof em === 'function' ? em() : em);

export function userSnapshot(user: User): UserSnapshot {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    roles: [...user.roles],
    isActive: user.isActive,
    lastLogin: user.lastLogin,
    dateJoined: user.dateJoined,
    tokensValidAfter: firstValidIat(user.tokensValidAfter),
  };
}

export function deviceSnapshot(device: Device): DeviceSnapshot {
  return {
    id: device.id,
    userId: typeof device.user === 'string' ? device.user : device.user.id,
    revoked: device.revokedAt !== null,
    expiresAt: device.expiresAt.getTime(),
    lastSeenAt: device.lastSeenAt.getTime(),
  };
}

/** The user as `@auth` sees it: from the cache, else one query (then cached). */
export async function loadUser(gh: Gatehouse, em: LazyEntityManager, id: string): Promise<UserSnapshot | null> {
  const cached = gh.sessions.user(id);
  if (cached) return cached;
  const user = await resolveEm(em).findOne(User, { id }, { disableIdentityMap: true });
  if (!user) return null;
  const snapshot = userSnapshot(user);
  gh.sessions.rememberUser(snapshot);
  return snapshot;
}

/** The device session as `@auth` sees it: from the cache, else one query (then cached). */
export async function loadDevice(gh: Gatehouse, em: LazyEntityManager, id: string): Promise<DeviceSnapshot | null> {
  const cached = gh.sessions.device(id);
  if (cached) return cached;
  const device = await resolveEm(em).findOne(Device, { id }, { disableIdentityMap: true });
  if (!device) return null;
  const snapshot = deviceSnapshot(device);
  gh.sessions.rememberDevice(snapshot);
  return snapshot;
}

/** A user's live app token for one app, as `@auth` checks delegated tokens: from the cache, else one query (then cached). */
export async function loadAppToken(gh: Gatehouse, em: LazyEntityManager, userId: string, app: string): Promise<AppTokenSnapshot> {
  const key = appTokenKey(userId, app);
  const cached = gh.sessions.appToken(key);
  if (cached) return cached;
  const token = await resolveEm(em).findOne(
    RefreshToken,
    { user: userId, kind: 'app', app, revokedAt: null },
    { fields: ['createdAt'], orderBy: { createdAt: 'desc' }, disableIdentityMap: true },
  );
  const snapshot: AppTokenSnapshot = { createdAt: token ? Math.floor(token.createdAt.getTime() / 1000) : null };
  gh.sessions.rememberAppToken(key, snapshot);
  return snapshot;
}
