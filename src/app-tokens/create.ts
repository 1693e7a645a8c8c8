import type { EntityManager } from '@mikro-orm/core';
import { RefreshToken, User } from '../entities';
import { BadUserInput } from '../errors';
import { generateRefreshToken, hashRefreshToken } from '../tokens/refresh/opaque';
import type { Gatehouse } from '../runtime';
import { appTokenKey, isAppName } from './rules';

/**
 * Creates the user's app token for `app`, revoking the one it replaces, in one
 * transaction. The key is returned once; only its hash is stored. Access tokens delegated
 * from the replaced key stop at once, on every instance (as after `revokeRefreshToken`).
 *
 * @example
 * const { key, token } = await createAppToken(gh, em, user.id, 'reporting-job');
 */
export async function createAppToken(gh: Gatehouse, em: EntityManager, userId: string, app: string): Promise<{ key: string; token: RefreshToken }> {
  if (!isAppName(app)) {
    throw new BadUserInput('app must be 1 to 64 letters, digits, ".", "_" or "-".', 'INVALID_APP');
  }
  const key = generateRefreshToken('app');
  const token = await em.transactional(async (tem) => {
    const now = new Date();
    await tem.nativeUpdate(RefreshToken, { user: userId, kind: 'app', app, revokedAt: null }, { revokedAt: now });
    const created = tem.create(RefreshToken, {
      kind: 'app',
      tokenHash: hashRefreshToken(key),
      user: tem.getReference(User, userId),
      app,
      origIat: Math.floor(now.getTime() / 1000),
      createdAt: now,
    });
    await tem.flush();
    return created;
  });
  gh.sessions.forgetAppToken(appTokenKey(userId, app));
  return { key, token };
}

/** The user's live app tokens, newest first (never their keys: only hashes are stored). */
export function listAppTokens(em: EntityManager, userId: string): Promise<RefreshToken[]> {
  return em.find(RefreshToken, { user: userId, kind: 'app', revokedAt: null }, { orderBy: { createdAt: 'desc', id: 'asc' } });
}
