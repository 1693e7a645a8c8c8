import type { StoreDeps } from './deps';
import { type DeviceSelection, endDevices } from './end-devices';
import { transaction } from './execute';
import type { EndReason, Origin } from './events';
import { settle } from './settle';
import { statementsEm } from './statements-em';

/**
 * Ends device sessions of one user (`logout`, `logoutDevice`, `logoutOtherDevices`) in one
 * transaction, then settles: each ended device is dropped from every instance's cache and
 * gets its own `session.ended` event with `reason`. Returns the ids of the devices ended
 * (an unknown, another user's or an already ended device ends nothing).
 *
 * @example
 * const ended = await endSessions(deps, { kind: 'one', userId, deviceId }, 'logout_device', origin);
 */
export async function endSessions(deps: StoreDeps, selection: Exclude<DeviceSelection, { kind: 'all' }>, reason: EndReason, origin: Origin): Promise<string[]> {
  const now = deps.clock.now();
  const em = statementsEm(deps.orm);
  const ended = await transaction(em, (tem) => endDevices(tem, selection, now));
  await settle(deps, {
    invalidations: ended.map((id) => ({ kind: 'device' as const, id })),
    events: ended.map((deviceId) => ({ type: 'session.ended' as const, at: now, origin, userId: selection.userId, deviceId, reason })),
  });
  return ended;
}
