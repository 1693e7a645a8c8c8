import type { EntityManager } from '@mikro-orm/core';
import { Device, RefreshToken } from '../entities';

export interface Cleared {
  tokens: number;
  devices: number;
}

/**
 * `gatehouse tokens clear`: deletes revoked tokens, and ended (revoked or expired) devices
 * with all their tokens. Rotated tokens of live devices are kept: they are what reuse
 * detection recognises. Each statement is short, so it is safe while the server serves.
 */
export async function clearTokens(em: EntityManager, nowMs: number): Promise<Cleared> {
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
    return { tokens, devices };
  });
}
