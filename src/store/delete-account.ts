import type { StoreDeps } from './deps';
import { endDevices } from './end-devices';
import type { Origin } from './events';
import { affected, dbDate } from './rows';
import { settle } from './settle';
import { execute, transaction } from './execute';
import { statementsEm } from './statements-em';

const LOCK_USER = 'update gatehouse_user set tokens_valid_after = ? where id = ? and password_hash = ?';
const DELETES = [
  'delete from gatehouse_mail_outbox where user_id = ?',
  'delete from gatehouse_one_time_token where user_id = ?',
  'delete from gatehouse_refresh_token where user_id = ?',
  'delete from gatehouse_device where user_id = ?',
  'delete from gatehouse_user where id = ?',
];

/**
 * `deleteAccount`: removes the user and everything that names them in one transaction:
 * the User row (username, address, names, password hash, roles), its devices, every
 * refresh token (device and app), its one-time tokens and its mails in the outbox, sent
 * or not. The user row is locked first, and only while its password hash is still the one
 * the caller checked (`expectedHash`), the lock order of every session write. Nothing of
 * the account is kept in the database; the audit log keeps its lines (user id, username)
 * as it does for every account. Null when the password changed meanwhile (nothing
 * written). Settles with one `session.ended` (reason `account_deleted`) per live device,
 * then `account.deleted`.
 *
 * @example const ended = await deleteAccount(deps, user.id, user.passwordHash, { requestId });
 */
export async function deleteAccount(deps: StoreDeps, userId: string, expectedHash: string, origin: Origin): Promise<string[] | null> {
  const now = deps.clock.now();
  const em = statementsEm(deps.orm);
  const ended = await transaction(em, async (tem) => {
    if (affected(await execute(tem, LOCK_USER, [dbDate(tem, now), userId, expectedHash], 'run')) !== 1) return null;
    const devices = await endDevices(tem, { kind: 'all', userId }, now);
    for (const sql of DELETES) await execute(tem, sql, [userId], 'run');
    return devices;
  });
  if (!ended) return null;
  await settle(deps, {
    invalidations: [{ kind: 'user', id: userId }, ...ended.map((id) => ({ kind: 'device' as const, id }))],
    events: [
      ...ended.map((deviceId) => ({ type: 'session.ended' as const, at: now, origin, userId, deviceId, reason: 'account_deleted' as const })),
      { type: 'account.deleted', at: now, origin, userId, endedDevices: ended.length },
    ],
  });
  return ended;
}
