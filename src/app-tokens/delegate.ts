import type { EntityManager } from '@mikro-orm/core';
import { RefreshToken } from '../entities';
import { BadUserInput, InvalidRefreshToken } from '../errors';
import type { Gatehouse } from '../runtime';
import { type IssuedAccess, issueAccessToken } from '../sessions/issue';
import { userSnapshot } from '../sessions/snapshots';
import { hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh/opaque';
import { isAppName, JWT_BEARER_GRANT, lastUseDue } from './rules';
import { seconds } from '../util/clock';

export interface DelegateInput {
  clientId: string;
  grantType: string;
  refreshToken: string;
  apiType?: string | null;
}

/**
 * `delegateToken`: exchanges an app token for an access token (no password). Only the
 * jwt-bearer grant; `clientId` must equal the token's app (else the answer of an unknown
 * token: same code, reason and message); the user must be active.
 * The access token names the app (`app` claim). `lastUsedAt` is written at most once per
 * `JWT_SESSION_EXPIRATION_ACCURACY`.
 */
export async function delegate(gh: Gatehouse, em: EntityManager, input: DelegateInput): Promise<IssuedAccess> {
  if (input.grantType !== JWT_BEARER_GRANT) {
    throw new BadUserInput(`grantType must be "${JWT_BEARER_GRANT}".`, 'UNSUPPORTED_GRANT_TYPE');
  }
  if (input.apiType != null && !isAppName(input.apiType)) {
    throw new BadUserInput('apiType must be 1 to 64 letters, digits, ".", "_" or "-".', 'INVALID_API_TYPE');
  }
  if (!looksLikeRefreshToken(input.refreshToken)) throw new InvalidRefreshToken('UNKNOWN');
  // The key is looked up with its app: a key presented under another clientId is not found,
  // and gets exactly the answer of an unknown key (a stolen key's holder learns nothing).
  const token = await em.findOne(RefreshToken, { tokenHash: hashRefreshToken(input.refreshToken), kind: 'app', app: input.clientId }, { populate: ['user'] });
  if (!token) throw new InvalidRefreshToken('UNKNOWN');
  if (token.revokedAt) throw new InvalidRefreshToken('REVOKED');
  if (!token.user.isActive) throw new InvalidRefreshToken('REVOKED');

  const now = gh.clock.now();
  if (lastUseDue(token.lastUsedAt, new Date(now), gh.settings.sessions.expirationAccuracy)) {
    await gh.store.touchAppToken(token.id, now - gh.settings.sessions.expirationAccuracy * 1000);
  }
  const user = userSnapshot(token.user);
  return issueAccessToken(gh, user, { origIat: seconds(now), app: token.app!, apiType: input.apiType ?? undefined }, seconds(now));
}
