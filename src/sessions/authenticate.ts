import { Unauthenticated } from '../errors';
import type { Gatehouse } from '../runtime';
import type { AccessClaims } from '../tokens/access/claims';
import type { AppTokenSnapshot, DeviceSnapshot, UserSnapshot } from './cache';
import { appTokenKey, delegationLive } from '../app-tokens/rules';
import { type LazyEntityManager, loadAppToken, loadDevice, loadUser } from './snapshots';
import { slideDue, slideTiming } from '../store/slide';

/** Who is calling: the verified claims and the user they name. */
export interface Principal {
  claims: AccessClaims;
  user: UserSnapshot;
}

/**
 * Turns verified access-token claims into a principal, or throws `Unauthenticated`:
 * the user must exist and be active, the token must not predate a password change, and
 * (with `JWT_SESSION_CHECK`) its device session, or for a delegated token its app token,
 * must be live. Touches the device's
 * last-seen time at most once per `JWT_SESSION_EXPIRATION_ACCURACY`.
 */
export async function authenticate(gh: Gatehouse, em: LazyEntityManager, claims: AccessClaims): Promise<Principal> {
  const user = await loadUser(gh, em, claims.sub);
  checkUser(user, claims);
  if (claims.sid && gh.settings.sessions.check) await checkDevice(gh, em, claims.sid, user.id);
  if (claims.app && gh.settings.sessions.check) checkDelegation(await loadAppToken(gh, em, user.id, claims.app), claims);
  return { claims, user };
}

/**
 * `authenticate` answered from the session cache alone, without a promise: the principal,
 * or null when a snapshot it needs is not cached or the device is due a last-seen write
 * (then `authenticate` must run). Throws what `authenticate` would throw, in the same order.
 *
 * @example
 * const principal = authenticateFromCache(gh, claims) ?? (await authenticate(gh, em, claims));
 */
export function authenticateFromCache(gh: Gatehouse, claims: AccessClaims, now: number = gh.clock.now()): Principal | null {
  const user = gh.sessions.user(claims.sub, now);
  if (!user) return null;
  checkUser(user, claims);
  if (claims.sid && gh.settings.sessions.check) {
    const device = gh.sessions.device(claims.sid, now);
    if (!device) return null;
    checkDeviceSnapshot(device, user.id, now);
    if (touchDue(gh, device, now)) return null;
  }
  if (claims.app && gh.settings.sessions.check) {
    const appToken = gh.sessions.appToken(appTokenKey(user.id, claims.app), now);
    if (!appToken) return null;
    checkDelegation(appToken, claims);
  }
  return { claims, user };
}

/** The user exists, is active, and the token is not older than its last password change. */
function checkUser(user: UserSnapshot | null, claims: AccessClaims): asserts user is UserSnapshot {
  if (!user) throw new Unauthenticated('INVALID_TOKEN');
  if (!user.isActive || claims.iat < user.tokensValidAfter) throw new Unauthenticated('SESSION_REVOKED');
}

/** The device session belongs to the user and is neither revoked nor expired. */
function checkDeviceSnapshot(device: DeviceSnapshot | null, userId: string, now: number): asserts device is DeviceSnapshot {
  if (!device || device.userId !== userId || device.revoked || device.expiresAt <= now) {
    throw new Unauthenticated('SESSION_REVOKED');
  }
}

/** A delegated token's app token is still live and not newer than the token's `orig_iat`. */
function checkDelegation(appToken: AppTokenSnapshot, claims: AccessClaims): void {
  if (!delegationLive(appToken, claims.orig_iat)) throw new Unauthenticated('SESSION_REVOKED');
}

/** The device's last-seen time and expiry are due a write (`slideDue`, the rule rotation shares). */
function touchDue(gh: Gatehouse, device: DeviceSnapshot, now: number): boolean {
  return slideDue(device, now, slideTiming(gh.settings));
}

async function checkDevice(gh: Gatehouse, em: LazyEntityManager, sid: string, userId: string): Promise<void> {
  const device = await loadDevice(gh, em, sid);
  const now = gh.clock.now();
  checkDeviceSnapshot(device, userId, now);
  if (!touchDue(gh, device, now)) return;
  // Claim the write in the cached snapshot first, so concurrent requests do not write too.
  device.lastSeenAt = now;
  device.expiresAt = now + gh.settings.tokens.refreshLifetime * 1000;
  await gh.store.touchDevice(sid, now);
}
