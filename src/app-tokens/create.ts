import type { EntityManager } from '@mikro-orm/core';
import { RefreshToken } from '../entities';
import { BadUserInput } from '../errors';
import type { Gatehouse } from '../runtime';
import type { AppTokenView } from '../store/create-app-token';
import type { Origin } from '../store/events';
import { isAppName } from './rules';

/**
 * `createRefreshToken(app)`: the user's app token for `app`, replacing the previous one
 * (through the session store, so access tokens delegated from the replaced key stop at
 * once on every instance). The key is returned once; only its hash is stored.
 *
 * @example
 * const { key, token } = await createAppToken(gh, user.id, 'reporting-job', { requestId });
 */
export async function createAppToken(gh: Gatehouse, userId: string, app: string, origin: Origin = {}): Promise<{ key: string; token: AppTokenView }> {
  if (!isAppName(app)) {
    throw new BadUserInput('app must be 1 to 64 letters, digits, ".", "_" or "-".', 'INVALID_APP');
  }
  return gh.store.createAppToken(userId, app, origin);
}

/** The user's live app tokens, newest first (never their keys: only hashes are stored). */
export function listAppTokens(em: EntityManager, userId: string): Promise<RefreshToken[]> {
  return em.find(RefreshToken, { user: userId, kind: 'app', revokedAt: null }, { orderBy: { createdAt: 'desc', id: 'asc' } });
}
