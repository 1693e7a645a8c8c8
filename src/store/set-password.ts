import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import type { StoreDeps } from './deps';
import { endDevices } from './end-devices';
import type { Origin } from './events';
import { affected, dbDate } from './rows';
import { execute, transaction } from './execute';
import { settle } from './settle';
import { statementsEm } from './statements-em';

export interface PasswordSet {
  /** The device sessions that ended. */
  endedDevices: string[];
  /** When the change took effect (milliseconds); access tokens signed in or before its second are refused. */
  changedAt: number;
}

const SET = 'update gatehouse_user set password_hash = ?, tokens_valid_after = ? where id = ?';
const SET_IF = 'update gatehouse_user set password_hash = ?, tokens_valid_after = ? where id = ? and password_hash = ?';
const REVOKE_TOKENS = 'update gatehouse_refresh_token set revoked_at = ?, sealed_successor = null where user_id = ? and revoked_at is null';

/**
 * Sets a user's password (its bcrypt hash, made by the caller) and ends everything issued
 * under the old one, in one transaction: the hash and `tokensValidAfter = now` on the User
 * row first (so access tokens issued before stop working), then every device session, then
 * every refresh token of the user, device and app. Lock order User, Device, RefreshToken,
 * so a concurrent login, rotation or logout cannot deadlock with it.
 *
 * `expectedHash`, when given, makes it a compare-and-set: if the password changed since the
 * caller checked the old one, nothing is written. Null when nothing was written (no such
 * user, or the compare failed). Settles with `password.changed` and one `session.ended`
 * (reason `password_changed`) per device.
 *
 * @example
 * const done = await setPassword(deps, user.id, await hashPassword(next, rounds), { via: 'cli' });
 */
export async function setPassword(deps: StoreDeps, userId: string, passwordHash: string, origin: Origin, expectedHash?: string): Promise<PasswordSet | null> {
  const changedAt = deps.clock.now();
  const em = statementsEm(deps.orm);
  const endedDevices = await transaction(em, (tem) => writePassword(tem, userId, passwordHash, changedAt, expectedHash));
  if (!endedDevices) return null;
  await settlePassword(deps, userId, endedDevices, changedAt, origin, 'password_changed');
  return { endedDevices, changedAt };
}

/**
 * The write of `setPassword` inside the caller's transaction (also `resetPassword`'s): the
 * hash and `tokensValidAfter`, every device ended, every refresh token revoked. The ids of
 * the devices ended, or null when nothing was written.
 */
export async function writePassword(tem: EntityManager, userId: string, passwordHash: string, changedAt: number, expectedHash?: string): Promise<string[] | null> {
  const at = dbDate(tem, changedAt);
  const updated = expectedHash === undefined
    ? affected(await execute(tem, SET, [passwordHash, at, userId], 'run'))
    : affected(await execute(tem, SET_IF, [passwordHash, at, userId, expectedHash], 'run'));
  if (updated !== 1) return null;
  const ended = await endDevices(tem, { kind: 'all', userId }, changedAt);
  await execute(tem, REVOKE_TOKENS, [at, userId], 'run');
  return ended;
}

/** What follows a committed password write: the user and the devices dropped everywhere, one `session.ended` per device, then `password.changed`. */
export async function settlePassword(deps: StoreDeps, userId: string, endedDevices: string[], changedAt: number, origin: Origin, reason: 'password_changed' | 'password_reset'): Promise<void> {
  await settle(deps, {
    invalidations: [{ kind: 'user', id: userId }, ...endedDevices.map((id) => ({ kind: 'device' as const, id }))],
    events: [
      ...endedDevices.map((deviceId) => ({ type: 'session.ended' as const, at: changedAt, origin, userId, deviceId, reason })),
      { type: 'password.changed', at: changedAt, origin, userId, endedDevices: endedDevices.length, ...(reason === 'password_reset' ? { reset: true } : {}) },
    ],
  });
}
