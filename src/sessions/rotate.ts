import type { Gatehouse } from '../runtime';
import type { Origin } from '../store/events';
import { seconds } from '../util/clock';
import { issueAccessToken } from './issue';
import type { SessionTokens } from './login';

/**
 * `refreshToken(refreshToken:)`: rotates a device refresh token through the session store
 * (the rule and its guarantees are `decideRotation` and `store/rotate.ts`), then signs the
 * access token of the session.
 *
 * @example
 * const session = await rotateDeviceToken(gh, 'ghd_…', { requestId }); // session.refreshToken is the successor
 */
export async function rotateDeviceToken(gh: Gatehouse, presented: string, origin: Origin = {}): Promise<SessionTokens> {
  const { refreshToken, device, user, origIat } = await gh.store.rotate(presented, origin);
  const access = await issueAccessToken(gh, user, { origIat, sid: device.id }, seconds(gh.clock.now()));
  return { access, refreshToken, device, user };
}
