import type { EntityManager } from '@mikro-orm/core';
import { Device } from '../entities';

/** A user's live devices (not ended, not expired at `now`, ms), newest first. */
export async function liveDevices(em: EntityManager, userId: string, now: number): Promise<Device[]> {
  return em.find(Device, { user: userId, revokedAt: null, expiresAt: { $gt: new Date(now) } }, { orderBy: { createdAt: 'desc', id: 'asc' } });
}
