import type { EntityManager } from '@mikro-orm/core';
import { Device, RefreshToken } from '../entities';
import type { Gatehouse } from '../runtime';

/**
 * Ends a device session in the database: the device and every refresh token of it are
 * revoked. Returns false when the device was already ended. Callers forget the device in
 * the session cache after their transaction commits (see `forgetEnded`).
 */
export async function endDevice(em: EntityManager, deviceId: string, now = new Date()): Promise<boolean> {
  const ended = await em.nativeUpdate(Device, { id: deviceId, revokedAt: null }, { revokedAt: now });
  await em.nativeUpdate(RefreshToken, { device: deviceId, revokedAt: null }, { revokedAt: now, sealedSuccessor: null });
  return ended === 1;
}

/** Drops ended devices from this process's session cache, so their access tokens fail at once. */
export function forgetEnded(gh: Gatehouse, deviceIds: Iterable<string>): void {
  for (const id of deviceIds) gh.sessions.forgetDevice(id);
}

/** A user's live devices (not ended, not expired), newest first. */
export async function liveDevices(em: EntityManager, userId: string, now = new Date()): Promise<Device[]> {
  return em.find(Device, { user: userId, revokedAt: null, expiresAt: { $gt: now } }, { orderBy: { createdAt: 'desc', id: 'asc' } });
}

/** Ends one of the user's own devices. Another user's device, or an unknown or ended one, is `false`. */
export async function logoutDevice(gh: Gatehouse, em: EntityManager, userId: string, deviceId: string): Promise<boolean> {
  const ended = await em.transactional(async (tem) => {
    const device = await tem.findOne(Device, { id: deviceId, user: userId, revokedAt: null }, { fields: ['id'] });
    return device ? endDevice(tem, deviceId) : false;
  });
  if (ended) forgetEnded(gh, [deviceId]);
  return ended;
}

/** Ends every live device of the user but `keepId`; returns how many ended. */
export async function logoutOtherDevices(gh: Gatehouse, em: EntityManager, userId: string, keepId: string | undefined): Promise<number> {
  const ended = await em.transactional(async (tem) => {
    const others = (await liveDevices(tem, userId)).filter((device) => device.id !== keepId);
    const done: string[] = [];
    for (const device of others) if (await endDevice(tem, device.id)) done.push(device.id);
    return done;
  });
  forgetEnded(gh, ended);
  return ended.length;
}
