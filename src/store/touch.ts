import type { StoreDeps } from './deps';
import { affected, dbDate } from './rows';
import { execute } from './execute';
import { slideThresholds, slideTiming } from './slide';
import { statementsEm } from './statements-em';

const TOUCH_DEVICE = 'update gatehouse_device set last_seen_at = ?, expires_at = ? where id = ? and revoked_at is null and (last_seen_at <= ? or expires_at <= ?)';
const TOUCH_APP_TOKEN = 'update gatehouse_refresh_token set last_used_at = ? where id = ? and (last_used_at is null or last_used_at <= ?)';

/**
 * Records that a device session was used at `now`: its last-seen time, and its expiry slides
 * to `JWT_REFRESH_EXPIRATION_DELTA` from now. Conditional on the stored times being due
 * (`slideDue`, `./slide.ts`), so instances racing on one device write once. Returns rows written.
 *
 * @example await touchDevice(deps, sid, gh.clock.now());
 */
export async function touchDevice(deps: StoreDeps, deviceId: string, now: number): Promise<number> {
  const em = statementsEm(deps.orm);
  const timing = slideTiming(deps.settings);
  const due = slideThresholds(now, timing);
  const params = [dbDate(em, now), dbDate(em, now + timing.lifetimeMs), deviceId, dbDate(em, due.lastSeenBefore), dbDate(em, due.expiresBefore)];
  return affected(await execute(em, TOUCH_DEVICE, params, 'run'));
}

/** Records that an app token was used (`lastUsedAt`), unless it was recorded after `staleSince`. */
export async function touchAppToken(deps: StoreDeps, tokenId: string, staleSince: number): Promise<number> {
  const em = statementsEm(deps.orm);
  return affected(await execute(em, TOUCH_APP_TOKEN, [dbDate(em, deps.clock.now()), tokenId, dbDate(em, staleSince)], 'run'));
}
