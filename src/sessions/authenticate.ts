import type { EntityManager } from '@mikro-orm/core';
import { Device } from '../entities';
import { Unauthenticated } from '../errors';
import type { Gatehouse } from '../runtime';
import type { AccessClaims } from '../tokens/access/claims';
import type { UserSnapshot } from './cache';
import { delegationLive } from '../app-tokens/rules';
import { type LazyEntityManager, loadAppToken, loadDevice, loadUser } from './snapshots';

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
  if (!user) throw new Unauthenticated('INVALID_TOKEN');
  if (!user.isActive || claims.iat < user.tokensValidAfter) throw new Unauthenticated('SESSION_REVOKED');
  if (claims.sid && gh.settings.sessionCheck) await checkDevice(gh, em, claims.sid, user.id);
  if (claims.app && gh.settings.sessionCheck) {
    if (!delegationLive(await loadAppToken(gh, em, user.id, claims.app), claims.orig_iat)) throw new Unauthenticated('SESSION_REVOKED');
  }
  return { claims, user };
}

async function checkDevice(gh: Gatehouse, em: LazyEntityManager, sid: string, userId: string): Promise<void> {
  const device = await loadDevice(gh, em, sid);
  const now = Date.now();
  if (!device || device.userId !== userId || device.revoked || device.expiresAt <= now) {
    throw new Unauthenticated('SESSION_REVOKED');
  }
  const accuracyMs = gh.settings.sessionExpirationAccuracy * 1000;
  if (now - device.lastSeenAt < accuracyMs) return;
  // Claim the write in the cached snapshot first, so concurrent requests do not write too.
  device.lastSeenAt = now;
  device.expiresAt = now + gh.settings.refreshExpirationDelta * 1000;
  await touchDevice(typeof em === 'function' ? em() : em, sid, new Date(now), new Date(device.expiresAt), new Date(now - accuracyMs));
}

/**
 * Slides a device's expiry when its stored last-seen time is at or before `staleSince`.
 * Conditional, so instances racing on one device write once.
 */
export async function touchDevice(em: EntityManager, id: string, now: Date, expiresAt: Date, staleSince: Date): Promise<number> {
  return em.nativeUpdate(
    Device,
    { id, revokedAt: null, lastSeenAt: { $lte: staleSince } },
    { lastSeenAt: now, expiresAt },
  );
}
