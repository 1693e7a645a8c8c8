import type { EntityManager } from '@mikro-orm/core';
import { RefreshToken } from '../entities';
import type { Gatehouse } from '../runtime';
import { appTokenKey } from '../app-tokens/rules';
import { hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh/opaque';
import { endDevice, forgetEnded } from './devices';

/**
 * `revokeRefreshToken`: possession of a token is the right to revoke it. A live device
 * token ends its whole device session; an app token is revoked, and so are the access
 * tokens it gave out (see `delegationLive`). Returns 1, or 0 for an
 * unknown, already revoked or already rotated token (idempotent, as RFC 7009 asks).
 */
export async function revokeRefreshToken(gh: Gatehouse, em: EntityManager, presented: string): Promise<0 | 1> {
  if (!looksLikeRefreshToken(presented)) return 0;
  const tokenHash = hashRefreshToken(presented);
  const outcome = await em.transactional(async (tem) => {
    const token = await tem.findOne(RefreshToken, { tokenHash, revokedAt: null }, { fields: ['id', 'kind', 'device', 'usedAt', 'user', 'app'] });
    if (!token || token.usedAt) return { revoked: 0 as const };
    if (token.kind === 'app') {
      const done = await tem.nativeUpdate(RefreshToken, { id: token.id, revokedAt: null }, { revokedAt: new Date() });
      return { revoked: done === 1 ? (1 as const) : (0 as const), appKey: appTokenKey(token.user.id, token.app!) };
    }
    const deviceId = token.device!.id;
    return { revoked: (await endDevice(tem, deviceId)) ? (1 as const) : (0 as const), deviceId };
  });
  if ('deviceId' in outcome && outcome.deviceId) forgetEnded(gh, [outcome.deviceId]);
  // The access tokens delegated from a revoked app token stop at once too.
  if ('appKey' in outcome && outcome.appKey) gh.sessions.forgetAppToken(outcome.appKey);
  return outcome.revoked;
}
