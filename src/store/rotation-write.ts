import { BaseSqlitePlatform, type SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import { affected, DEVICE_COLUMNS, type Row, selectList, USER_COLUMNS } from './rows';
import { execute, executeOn } from './execute';

/** A successor ready to be written, and the times of the write (already in the database's form). */
export interface PreparedRotation {
  tokenHash: string;
  successorId: string;
  successorHash: string;
  /** The successor sealed under the presented token, for the grace window. */
  sealed: string;
  at: unknown;
  expiresAt: unknown;
}

/** What one attempt saw, and whether it wrote the rotation. */
export interface Attempt {
  /** The presented token with its device (`d_…`) and user (`u_…`) as they were before the attempt; undefined when unknown. */
  row: Row | undefined;
  written: boolean;
}

const TOKEN_COLUMNS =
  't.id as t_id, t.kind as t_kind, t.orig_iat as t_orig_iat, t.used_at as t_used_at, t.revoked_at as t_revoked_at, ' +
  't.replaced_by_id as t_replaced_by_id, t.sealed_successor as t_sealed_successor';

/** The presented token with its device and user, by hash: everything `decideRotation` decides on. */
const READ =
  `select ${TOKEN_COLUMNS}, ${selectList('d', 'd_', DEVICE_COLUMNS)}, ${selectList('u', 'u_', USER_COLUMNS)} ` +
  'from gatehouse_refresh_token t join gatehouse_user u on u.id = t.user_id left join gatehouse_device d on d.id = t.device_id ' +
  'where t.token_hash = ?';

/**
 * PostgreSQL: the read and the write in one statement. `t` is the token as it was (every part
 * of a statement sees the same snapshot); the device's update comes first and the claim
 * depends on its result, so the device's row lock is taken before the token's (the lock order
 * of every session write: User, Device, RefreshToken), and rotations, repeats and endings of
 * one device run one after the other. The guards are the rotate case of `decideRotation` as
 * conditions on the rows being written: they decide races, and a lost race writes nothing.
 */
const PG_ATTEMPT =
  `with t as (${READ}), device as (` +
  'update gatehouse_device set last_seen_at = ?, expires_at = ? ' +
  "where id = (select t_device_id from (select d_id as t_device_id from t where t_kind = 'device' and t_used_at is null and t_revoked_at is null) live) " +
  'and revoked_at is null and expires_at > ? and user_id in (select u_id from t where u_is_active = true) returning id' +
  '), claimed as (' +
  'update gatehouse_refresh_token set used_at = ?, replaced_by_id = ?, sealed_successor = ? ' +
  'where id = (select t_id from t) and used_at is null and revoked_at is null and device_id in (select id from device) ' +
  'returning user_id, device_id, orig_iat' +
  '), inserted as (' +
  'insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at) ' +
  "select ?, 'device', ?, user_id, device_id, orig_iat, ? from claimed returning id" +
  ') select t.*, (select count(*) from inserted) as written from t';

/** SQLite: the same guards on three writes in one transaction; the first write takes the database's write lock. */
const SQLITE_TOUCH =
  'update gatehouse_device set last_seen_at = ?, expires_at = ? where id = ? and revoked_at is null and expires_at > ? ' +
  'and user_id in (select id from gatehouse_user where id = ? and is_active = ?)';
const SQLITE_CLAIM = 'update gatehouse_refresh_token set used_at = ?, replaced_by_id = ?, sealed_successor = ? where id = ? and used_at is null and revoked_at is null';
const SQLITE_INSERT = "insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at) values (?, 'device', ?, ?, ?, ?, ?)";

/** Rolls the SQLite transaction back when a guard found the state changed since the read. */
const LOST = Symbol('lost race');

/**
 * One attempt at a rotation: reads the presented token with its device and user and, when
 * `mayRotate` says the rule allows it, writes the rotation: the device's expiry slides, the
 * token is claimed (only while still unused and unrevoked, its device live and its user
 * active) and its successor is inserted, all or nothing. On PostgreSQL both are one statement
 * (the write is attempted and its guards decide; `mayRotate` is then the caller's check of
 * the row); on SQLite the read, then one transaction. Through `em.execute` with bound
 * parameters (`./execute.ts`).
 *
 * @example
 * const { row, written } = await attemptRotation(em, prepared, (row) => decide(row).action === 'rotate');
 */
export async function attemptRotation(em: EntityManager, p: PreparedRotation, mayRotate: (row: Row) => boolean): Promise<Attempt> {
  if (!(em.getPlatform() instanceof BaseSqlitePlatform)) {
    const [row] = (await execute(em, PG_ATTEMPT, [
      p.tokenHash,
      p.at, p.expiresAt, p.at,
      p.at, p.successorId, p.sealed,
      p.successorId, p.successorHash, p.at,
    ])) as Row[];
    return { row, written: row !== undefined && Number(row.written) === 1 };
  }
  const [row] = (await execute(em, READ, [p.tokenHash])) as Row[];
  if (!row || !mayRotate(row)) return { row, written: false };
  const connection = em.getConnection();
  const written = await connection
    .transactional(async (trx) => {
      const run = (sql: string, params: unknown[]) => executeOn(em, trx, sql, params, 'run');
      if (affected(await run(SQLITE_TOUCH, [p.at, p.expiresAt, row.d_id, p.at, row.u_id, true])) !== 1) throw LOST;
      if (affected(await run(SQLITE_CLAIM, [p.at, p.successorId, p.sealed, row.t_id])) !== 1) throw LOST;
      await run(SQLITE_INSERT, [p.successorId, p.successorHash, row.u_id, row.d_id, row.t_orig_iat, p.at]);
      return true;
    })
    .catch((error: unknown) => {
      if (error === LOST) return false;
      throw error;
    });
  return { row, written };
}
