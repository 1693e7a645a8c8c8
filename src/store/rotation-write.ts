import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import { DEVICE_COLUMNS, type Row, USER_COLUMNS } from './rows';
import { execute, onSqlite } from './execute';

/** A successor ready to be written, and the times of the write (already in the database's form). */
export interface PreparedRotation {
  tokenHash: string;
  successorId: string;
  successorHash: string;
  /** The successor sealed under the presented token, for the grace window. */
  sealed: string;
  at: unknown;
  expiresAt: unknown;
  /** The device slides (last seen `at`, expiry `expiresAt`) only when due: `slideThresholds` of `./slide.ts`. */
  lastSeenBefore: unknown;
  expiresBefore: unknown;
}

/** What one attempt saw, and whether it wrote the rotation. */
export interface Attempt {
  /**
   * The presented token with its device (`d_…`) and user (`u_…`) as they were before the
   * attempt, and the device's times after it (`n_last_seen_at`, `n_expires_at`: slid or
   * not); undefined when unknown.
   */
  row: Row | undefined;
  written: boolean;
}

const TOKEN_COLUMNS = ['id', 'kind', 'orig_iat', 'used_at', 'revoked_at', 'replaced_by_id', 'sealed_successor'] as const;

/**
 * PostgreSQL: the read and the write in one statement, kept in the function
 * `gatehouse_rotate` (Migration20261202183000, where the statement and its locking are
 * explained) so that PostgreSQL plans it once per connection; its answer is one `json` value
 * (null for an unknown token).
 */
const PG_ATTEMPT = 'select gatehouse_rotate(?, ?, ?, ?, ?, ?, ?, ?) as answer';

/** The columns of the SQLite statement's answer, in the order of its `json_array`. */
const SQLITE_COLUMNS = [
  ...TOKEN_COLUMNS.map((column) => `t_${column}`),
  ...DEVICE_COLUMNS.map((column) => `d_${column}`),
  ...USER_COLUMNS.map((column) => `u_${column}`),
  'written', 'n_last_seen_at', 'n_expires_at',
];

/**
 * SQLite: one update of the view `gatehouse_rotation` (Migration20261202183000), whose
 * trigger writes the rotation when the row is the rotate case: SQLite takes the write lock
 * before reading the view, so the returned state is the current one and the write is all or
 * nothing. `returning` gives the view's row (the state before) and, read after the trigger,
 * whether the successor exists and the device's times; as one `json_array`. That was chosen
 * when every statement was prepared anew (one result column prepares in about half the time
 * of 27); statements are now kept prepared (`./driver.ts`), and 27 plain columns measured the
 * same within the noise (`bench/store-rotation.ts`, 2026-12-03), so it stays.
 */
const SQLITE_ATTEMPT =
  'update gatehouse_rotation set rotate_at = ?, rotate_expires_at = ?, slide_last_seen_before = ?, slide_expires_before = ?, ' +
  'successor_id = ?, successor_hash = ?, successor_sealed = ? where token_hash = ? ' +
  `returning json_array(${SQLITE_COLUMNS.slice(0, -3).join(', ')}, ` +
  'exists (select 1 from gatehouse_refresh_token where id = ?), ' +
  '(select last_seen_at from gatehouse_device where id = d_id), (select expires_at from gatehouse_device where id = d_id)) as answer';

/** The SQLite statement's `json_array` as a row named like PostgreSQL's. */
function sqliteRow(answer: unknown): Row {
  const values = JSON.parse(String(answer)) as unknown[];
  const row: Row = {};
  for (let i = 0; i < SQLITE_COLUMNS.length; i++) row[SQLITE_COLUMNS[i]] = values[i];
  return row;
}

/**
 * One attempt at a rotation, in one statement on either database: reads the presented token
 * with its device and user and writes the rotation when the rows allow it: the device's expiry
 * slides when due, the token is claimed (only while still unused and unrevoked, its device
 * live and its user active) and its successor is inserted, all or nothing. The caller decides
 * with `decideRotation` on the returned row; `written` says whether the write happened.
 * Through `execute` with `?` parameters (`./execute.ts`).
 *
 * @example
 * const { row, written } = await attemptRotation(em, prepared);
 */
export async function attemptRotation(em: EntityManager, p: PreparedRotation): Promise<Attempt> {
  if (onSqlite(em)) {
    const answer = (await execute(em, SQLITE_ATTEMPT, [
      p.at, p.expiresAt, p.lastSeenBefore, p.expiresBefore,
      p.successorId, p.successorHash, p.sealed, p.tokenHash,
      p.successorId,
    ], 'get')) as Row | undefined;
    const row = answer === undefined ? undefined : sqliteRow(answer.answer);
    return { row, written: row !== undefined && Number(row.written) === 1 };
  }
  const answer = (await execute(em, PG_ATTEMPT, [
    p.tokenHash, p.at, p.expiresAt, p.lastSeenBefore, p.expiresBefore, p.successorId, p.successorHash, p.sealed,
  ], 'get')) as Row | undefined;
  const row = (answer?.answer ?? undefined) as Row | undefined;
  return { row, written: row !== undefined && Number(row.written) === 1 };
}
