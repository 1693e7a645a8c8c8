import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Device, RefreshToken } from '../entities';
import { clearSealedBefore } from '../store/clear-sealed';

export interface Cleared {
  tokens: number;
  devices: number;
  /** Rotated tokens whose sealed successor was cleared (rotated before the grace window). */
  sealed: number;
}

/**
 * `gatehouse tokens clear`: deletes revoked tokens, and ended (revoked or expired) devices
 * with all their tokens. Rotated tokens of live devices are kept: they are what reuse
 * detection recognises, but lose their sealed successor once rotated more than
 * `reuseIntervalSeconds` (`JWT_REFRESH_REUSE_INTERVAL`) ago, as the servers' sweep does. Each
 * statement is short, so it is safe while the server serves.
 */
export async function clearTokens(em: EntityManager, nowMs: number, reuseIntervalSeconds: number): Promise<Cleared> {
  const now = new Date(nowMs);
  return em.transactional(async (tem) => {
    const ended = { $or: [{ revokedAt: { $ne: null } }, { expiresAt: { $lte: now } }] };
    const endedDevices = (await tem.find(Device, ended, { fields: ['id'] })).map((device) => device.id);
    let tokens = 0;
    for (let i = 0; i < endedDevices.length; i += 500) {
      tokens += await tem.nativeDelete(RefreshToken, { device: { $in: endedDevices.slice(i, i + 500) } });
    }
    tokens += await tem.nativeDelete(RefreshToken, { revokedAt: { $ne: null } });
    let devices = 0;
    for (let i = 0; i < endedDevices.length; i += 500) {
      devices += await tem.nativeDelete(Device, { id: { $in: endedDevices.slice(i, i + 500) } });
    }
    const sealed = await clearSealedBefore(tem as unknown as SqlEntityManager, nowMs - reuseIntervalSeconds * 1000);
    return { tokens, devices, sealed };
  });
}
