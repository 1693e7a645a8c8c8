import type { EntityManager } from '@mikro-orm/core';
import { InvalidToken, RefreshExpired, Unauthenticated } from '../errors';
import type { Gatehouse } from '../runtime';
import { verifyAccessToken } from '../tokens/access/verify';
import { authenticate } from './authenticate';
import type { UserSnapshot } from './cache';
import { type IssuedAccess, issueAccessToken } from './issue';
import { seconds } from '../util/clock';

/**
 * The stateless refresh of djangorestframework-jwt (`refreshToken(token:)`): a still-valid
 * access token buys a new one with the same `orig_iat`, `sid` and `app`, while
 * `now <= orig_iat + JWT_REFRESH_EXPIRATION_DELTA` and `JWT_ALLOW_REFRESH` is on.
 * The token's session must still be live.
 */
export async function refreshAccessToken(gh: Gatehouse, em: EntityManager, token: string): Promise<{ access: IssuedAccess; user: UserSnapshot }> {
  const now = seconds(gh.clock.now());
  const verified = verifyAccessToken(token, gh.settings, gh.keys, now);
  if (!verified.ok) throw new InvalidToken(verified.problem);
  const { claims } = verified;
  if (!gh.settings.tokens.allowRefresh) throw new RefreshExpired('Refreshing access tokens is turned off.');
  if (now > claims.orig_iat + gh.settings.tokens.refreshLifetime) throw new RefreshExpired();
  let principal;
  try {
    principal = await authenticate(gh, em, claims);
  } catch (error) {
    if (error instanceof Unauthenticated) throw new InvalidToken(error.reason);
    throw error;
  }
  const access = await issueAccessToken(gh, principal.user, { origIat: claims.orig_iat, sid: claims.sid, app: claims.app, apiType: claims.api_type }, now);
  return { access, user: principal.user };
}
