import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import { dbDate, type Row } from './rows';
import { execute } from './execute';

/** Which live devices a change ends. Each is one fixed SQL condition (never built from input). */
export type DeviceSelection =
  /** One device of the user (logout, logoutDevice, revocation, reuse). */
  | { kind: 'one'; userId: string; deviceId: string }
  /** Every unexpired device of the user but `keepId` (logoutOtherDevices). */
  | { kind: 'others'; userId: string; keepId: string | null }
  /** Every device of the user (password change). */
  | { kind: 'all'; userId: string }
  /** The user's live devices beyond the newest `keep` by last-seen time, never `newId` (a login past `MAX_DEVICES_PER_USER`). */
  | { kind: 'least_recent'; userId: string; keep: number; newId: string };

/** The condition and its parameters for a selection. */
function where(em: EntityManager, selection: DeviceSelection, nowMs: number): [string, unknown[]] {
  switch (selection.kind) {
    case 'one':
      return ['user_id = ? and id = ? and revoked_at is null', [selection.userId, selection.deviceId]];
    case 'others':
      return selection.keepId === null
        ? ['user_id = ? and revoked_at is null and expires_at > ?', [selection.userId, dbDate(em, nowMs)]]
        : ['user_id = ? and revoked_at is null and expires_at > ? and id <> ?', [selection.userId, dbDate(em, nowMs), selection.keepId]];
    case 'all':
      return ['user_id = ? and revoked_at is null', [selection.userId]];
    case 'least_recent': {
      // Every live device but the new one and the `keep` most recently seen of the others.
      const others = 'user_id = ? and revoked_at is null and expires_at > ? and id <> ?';
      const values = [selection.userId, dbDate(em, nowMs), selection.newId];
      return [
        `${others} and id not in (select id from gatehouse_device where ${others} order by last_seen_at desc, created_at desc, id desc limit ?)`,
        [...values, ...values, Math.max(0, selection.keep)],
      ];
    }
  }
}

/**
 * Ends device sessions inside the caller's transaction: the devices first (their row locks,
 * the lock order every session write keeps: User, then Device, then RefreshToken), then
 * every refresh token of them, whose sealed successors are cleared. Returns the ids of the
 * devices this call ended (not those already ended).
 *
 * @example
 * const ended = await endDevices(tem, { kind: 'one', userId, deviceId }, clock.now());
 */
export async function endDevices(em: EntityManager, selection: DeviceSelection, nowMs: number): Promise<string[]> {
  const now = dbDate(em, nowMs);
  const [condition, values] = where(em, selection, nowMs);
  const rows: Row[] = await execute(em, `update gatehouse_device set revoked_at = ? where ${condition} returning id`, [now, ...values], 'all');
  const ids = rows.map((row) => String(row.id));
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await execute(em, `update gatehouse_refresh_token set revoked_at = ?, sealed_successor = null where revoked_at is null and device_id in (${chunk.map(() => '?').join(', ')})`,
      [now, ...chunk],
      'run',
    );
  }
  return ids;
}
