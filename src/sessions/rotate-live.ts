import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { dialectOf } from '../db/config';
import { Device, User } from '../entities';
import type { Gatehouse } from '../runtime';
import { generateRefreshToken, hashRefreshToken } from '../tokens/refresh/opaque';
import { sealSuccessor } from '../tokens/refresh/successor';
import type { UserSnapshot } from './cache';
import { userSnapshot } from './snapshots';

/** A rotation that happened: the new refresh token and what the new access token needs. */
export interface Rotated {
  refreshToken: string;
  device: Device;
  user: UserSnapshot;
  origIat: number;
}

/**
 * The common case of `refreshToken(refreshToken:)` with the fewest statements and no ORM
 * machinery: a live, unused device token of an active user, whose device session is
 * neither ended nor expired, is claimed by one conditional UPDATE (the database stays the
 * arbiter between concurrent refreshes and between instances), its successor is inserted
 * and the device's expiry slides, atomically: one statement on PostgreSQL (device row
 * first, see `PG_ROTATE`), one `begin immediate` transaction run without yielding on SQLite. It writes exactly what the full path in `rotate.ts`
 * writes on success.
 *
 * Returns null, having changed nothing, for every other token (unknown, used, revoked,
 * expired, an inactive user) and when `em` is inside a transaction: the caller then takes
 * the full path, which says why, or serves the grace window.
 *
 * Why: through the unit of work a rotation cost several milliseconds of CPU (about a dozen
 * statements, each built by the query builder), capping a server near 300 rotations/s.
 *
 * @example
 * const rotated = (await rotateLiveToken(gh, em, presented)) ?? (await fullPath());
 */
export async function rotateLiveToken(gh: Gatehouse, em: EntityManager, presented: string): Promise<Rotated | null> {
  if (em.getTransactionContext()) return null;
  const successor = generateRefreshToken('device');
  const nowMs = Date.now();
  const claim: Claim = {
    nowMs,
    expiresAtMs: nowMs + gh.settings.refreshExpirationDelta * 1000,
    successorId: randomUUID(),
    sealed: sealSuccessor(successor, presented),
    hash: hashRefreshToken(presented),
    successorHash: hashRefreshToken(successor),
  };
  const client = (em.getConnection() as unknown as KnexConnection).getKnex().client;
  const connection: unknown = await client.acquireConnection();
  let found: Found | null;
  try {
    found = dialectOf(gh.settings.databaseUrl) === 'postgresql'
      ? await claimPostgres(connection as PgClient, claim)
      : claimSqlite(connection as SqliteDatabase, claim);
  } finally {
    await client.releaseConnection(connection);
  }
  if (!found) return null;
  const device = Object.assign(new Device(), {
    id: String(found.device.id),
    user: em.getReference(User, String(found.device.user_id)),
    name: String(found.device.name),
    userAgent: found.device.user_agent == null ? null : String(found.device.user_agent),
    createdAt: toDate(found.device.created_at),
    lastSeenAt: toDate(found.device.last_seen_at),
    expiresAt: toDate(found.device.expires_at),
    revokedAt: found.device.revoked_at == null ? null : toDate(found.device.revoked_at),
  });
  const user = userSnapshot(
    Object.assign(new User(), {
      id: String(found.user.id),
      username: String(found.user.username),
      email: found.user.email == null ? null : String(found.user.email),
      roles: typeof found.user.roles === 'string' ? (JSON.parse(found.user.roles) as string[]) : (found.user.roles as string[]),
      isActive: Boolean(found.user.is_active),
      lastLogin: found.user.last_login == null ? null : toDate(found.user.last_login),
      dateJoined: toDate(found.user.date_joined),
      tokensValidAfter: found.user.tokens_valid_after == null ? null : toDate(found.user.tokens_valid_after),
    }),
  );
  return { refreshToken: successor, device, user, origIat: Number(found.origIat) };
}

type Row = Record<string, unknown>;

/** The part of MikroORM's SQL connection used here: its knex client's pool of driver connections. */
interface KnexConnection {
  getKnex(): { client: { acquireConnection(): Promise<unknown>; releaseConnection(connection: unknown): Promise<unknown> } };
}

interface Claim {
  nowMs: number;
  expiresAtMs: number;
  successorId: string;
  sealed: string;
  hash: string;
  successorHash: string;
}

interface Found {
  origIat: unknown;
  device: Row;
  user: Row;
}

/** SQLite keeps dates as milliseconds; PostgreSQL's driver gives `Date`s. */
function toDate(value: unknown): Date {
  return new Date(value as number | Date);
}

const DEVICE_COLUMNS = ['id', 'user_id', 'name', 'user_agent', 'created_at', 'last_seen_at', 'expires_at', 'revoked_at'];
const USER_COLUMNS = ['id', 'username', 'email', 'roles', 'is_active', 'last_login', 'date_joined', 'tokens_valid_after'];

/** The conditions of a token that can be rotated right away (the success case of `rotate.ts`). */
const claimWhere = (hash: string, now: string) =>
  `token_hash = ${hash} and kind = 'device' and used_at is null and revoked_at is null ` +
  `and device_id in (select id from gatehouse_device where revoked_at is null and expires_at > ${now}) ` +
  'and user_id in (select id from gatehouse_user where is_active = true)';

// --- SQLite (libsql, synchronous): the whole transaction runs without yielding to the event loop.

interface SqliteStatement {
  all(params: unknown[]): Row[];
  get(params: unknown[]): Row | undefined;
  run(params: unknown[]): unknown;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
}

const SQLITE = {
  begin: 'begin immediate',
  claim:
    `update gatehouse_refresh_token set used_at = ?, replaced_by_id = ?, sealed_successor = ? where ${claimWhere('?', '?')} ` +
    'returning user_id, device_id, orig_iat',
  insert: 'insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at) values (?, ?, ?, ?, ?, ?, ?)',
  device: `update gatehouse_device set last_seen_at = ?, expires_at = ? where id = ? returning ${DEVICE_COLUMNS.join(', ')}`,
  user: `select ${USER_COLUMNS.join(', ')} from gatehouse_user where id = ?`,
  commit: 'commit',
  rollback: 'rollback',
} as const;

/** Prepared statements per connection (the pool replaces connections now and then). */
const prepared = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();

function statement(db: SqliteDatabase, sql: string): SqliteStatement {
  let cache = prepared.get(db);
  if (!cache) prepared.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

function claimSqlite(db: SqliteDatabase, c: Claim): Found | null {
  statement(db, SQLITE.begin).run([]);
  try {
    const claimed = statement(db, SQLITE.claim).all([c.nowMs, c.successorId, c.sealed, c.hash, c.nowMs]);
    if (claimed.length !== 1) {
      statement(db, SQLITE.rollback).run([]);
      return null;
    }
    const [{ user_id: userId, device_id: deviceId, orig_iat: origIat }] = claimed;
    statement(db, SQLITE.insert).run([c.successorId, 'device', c.successorHash, userId, deviceId, origIat, c.nowMs]);
    const [device] = statement(db, SQLITE.device).all([c.nowMs, c.expiresAtMs, deviceId]);
    const user = statement(db, SQLITE.user).get([userId]);
    statement(db, SQLITE.commit).run([]);
    return device && user ? { origIat, device, user } : null;
  } catch (error) {
    try {
      statement(db, SQLITE.rollback).run([]);
    } catch {
      // no transaction left to roll back
    }
    throw error;
  }
}

// --- PostgreSQL: one statement (atomic on its own), prepared once per connection by name.

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/**
 * Lock order is the full path's: the Device row first (its update), then the token (the
 * claim, which needs the device's row and so runs after it), as in `endDevice` and the
 * password change, so a rotation racing a logout or a repeat of the same device waits
 * instead of deadlocking. When the claim loses a race after the device was touched, the
 * statement returns no row (the caller takes the full path) and only the device's
 * last-seen time moved, which is true: the device was just used.
 */
const PG_ROTATE = {
  name: 'gatehouse_rotate_live_v2',
  text:
    'with target as (' +
    'select id, device_id from gatehouse_refresh_token ' +
    "where token_hash = $4 and kind = 'device' and used_at is null and revoked_at is null" +
    '), device as (' +
    'update gatehouse_device set last_seen_at = $1, expires_at = $6 ' +
    'where id = (select device_id from target) and revoked_at is null and expires_at > $1 ' +
    'and user_id in (select id from gatehouse_user where is_active = true) ' +
    `returning ${DEVICE_COLUMNS.join(', ')}` +
    '), claimed as (' +
    'update gatehouse_refresh_token set used_at = $1, replaced_by_id = $2, sealed_successor = $3 ' +
    'where id = (select id from target) and used_at is null and revoked_at is null ' +
    'and device_id = (select id from device) ' +
    'returning user_id, device_id, orig_iat' +
    '), successor as (' +
    'insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at) ' +
    "select $2, 'device', $5, user_id, device_id, orig_iat, $1 from claimed" +
    ') select claimed.orig_iat as orig_iat, ' +
    DEVICE_COLUMNS.map((column) => `device.${column} as d_${column}`).join(', ') +
    ', ' +
    USER_COLUMNS.map((column) => `u.${column} as u_${column}`).join(', ') +
    ' from claimed join device on device.id = claimed.device_id join gatehouse_user u on u.id = claimed.user_id',
};

async function claimPostgres(pg: PgClient, c: Claim): Promise<Found | null> {
  const { rows } = await pg.query({
    ...PG_ROTATE,
    values: [new Date(c.nowMs), c.successorId, c.sealed, c.hash, c.successorHash, new Date(c.expiresAtMs)],
  });
  if (rows.length !== 1) return null;
  const [row] = rows;
  const pick = (prefix: string, columns: string[]) => Object.fromEntries(columns.map((column) => [column, row[prefix + column]]));
  return { origIat: row.orig_iat, device: pick('d_', DEVICE_COLUMNS), user: pick('u_', USER_COLUMNS) };
}
