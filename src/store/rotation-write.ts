import { BaseSqlitePlatform, type SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import { affected } from './rows';
import { execute, executeOn } from './execute';

/** What one rotation writes (times already in the database's form). */
export interface RotationWrite {
  /** The presented token's row id, its device and its user. */
  tokenId: unknown;
  deviceId: string;
  userId: string;
  origIat: number;
  successorId: string;
  successorHash: string;
  sealed: string;
  at: unknown;
  expiresAt: unknown;
}

/**
 * PostgreSQL: the whole write in one statement, atomic on its own. The device's update comes
 * first and the claim depends on its result, so the device's row lock is taken before the
 * token's (the lock order of every session write: User, Device, RefreshToken) and rotations,
 * repeats and endings of one device run one after the other. When the claim loses a race
 * after the device was touched, nothing is inserted and only the device's last-seen time
 * moved, which is true: it was just used.
 */
const PG_ROTATE =
  'with device as (' +
  'update gatehouse_device set last_seen_at = ?, expires_at = ? where id = ? and revoked_at is null and expires_at > ? ' +
  'and user_id in (select id from gatehouse_user where id = ? and is_active = true) returning id' +
  '), claimed as (' +
  'update gatehouse_refresh_token set used_at = ?, replaced_by_id = ?, sealed_successor = ? ' +
  'where id = ? and used_at is null and revoked_at is null and device_id in (select id from device) returning user_id, device_id, orig_iat' +
  ') insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at) ' +
  "select ?, 'device', ?, user_id, device_id, orig_iat, ? from claimed returning id";

/** SQLite: the same three writes in one transaction; the first write takes the database's write lock. */
const SQLITE_TOUCH =
  'update gatehouse_device set last_seen_at = ?, expires_at = ? where id = ? and revoked_at is null and expires_at > ? ' +
  'and user_id in (select id from gatehouse_user where id = ? and is_active = ?)';
const SQLITE_CLAIM = 'update gatehouse_refresh_token set used_at = ?, replaced_by_id = ?, sealed_successor = ? where id = ? and used_at is null and revoked_at is null';
const SQLITE_INSERT = "insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at) values (?, 'device', ?, ?, ?, ?, ?)";

/** Rolls the SQLite transaction back when the claim lost a race after the device was touched. */
const LOST = Symbol('lost race');

/**
 * Writes a rotation that `decideRotation` allowed: the device's expiry slides, the presented
 * token is claimed (only while still unused and unrevoked, its device live and its user
 * active: these guards decide races, not the rule), and its successor is inserted, all or
 * nothing. False when a guard found the state changed since it was read (nothing written
 * but, on PostgreSQL, the device's last-seen time). At most one statement per dialect, through
 * `em.execute` with bound parameters (`./execute.ts`).
 *
 * @example
 * if (!(await writeRotation(em, write))) { … read the token again and decide … }
 */
export async function writeRotation(em: EntityManager, w: RotationWrite): Promise<boolean> {
  if (!(em.getPlatform() instanceof BaseSqlitePlatform)) {
    const rows = (await execute(em, PG_ROTATE, [
      w.at, w.expiresAt, w.deviceId, w.at, w.userId,
      w.at, w.successorId, w.sealed, w.tokenId,
      w.successorId, w.successorHash, w.at,
    ])) as unknown[];
    return rows.length === 1;
  }
  // The connection's own transaction: no unit of work to fork and flush, only the three statements.
  const connection = em.getConnection();
  return connection
    .transactional(async (trx) => {
      const run = (sql: string, params: unknown[]) => executeOn(em, trx, sql, params, 'run');
      if (affected(await run(SQLITE_TOUCH, [w.at, w.expiresAt, w.deviceId, w.at, w.userId, true])) !== 1) throw LOST;
      if (affected(await run(SQLITE_CLAIM, [w.at, w.successorId, w.sealed, w.tokenId])) !== 1) throw LOST;
      await run(SQLITE_INSERT, [w.successorId, w.successorHash, w.userId, w.deviceId, w.origIat, w.at]);
      return true;
    })
    .catch((error: unknown) => {
      if (error === LOST) return false;
      throw error;
    });
}
