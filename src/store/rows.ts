import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import type { UserSnapshot } from '../sessions/cache';
import { firstValidIat } from '../sessions/snapshots';

/**
 * The store's raw SQL goes through one helper, `execute.ts` (each statement in its trace span,
 * `?` parameters bound by the driver on MikroORM's connection: `driver.ts`).
 * These helpers turn values into what the database's column types take, and rows back
 * into plain views, the same way on SQLite (dates kept as milliseconds, booleans as 0/1,
 * JSON as text) and PostgreSQL.
 */
export type Row = Record<string, unknown>;

/** A date parameter in the form the connected database stores (the platform's own conversion). */
export function dbDate(em: EntityManager, ms: number): unknown {
  return em.getPlatform().processDateProperty(new Date(ms));
}

/** A date column read back: milliseconds since the epoch (null stays null). */
export function msOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return new Date(value as string | number | Date).getTime();
}

/** A non-null date column read back as a `Date`. */
export function dateOf(value: unknown): Date {
  return new Date(msOf(value)!);
}

/** Affected rows of a `run` statement. */
export function affected(result: unknown): number {
  return (result as { affectedRows?: number }).affectedRows ?? 0;
}

/** A device session as the store hands it out (a plain object, not an entity). */
export interface DeviceView {
  id: string;
  userId: string;
  name: string;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** Columns of `gatehouse_user` that make a `UserSnapshot`, selected with the prefix `u_`. */
export const USER_COLUMNS = ['id', 'username', 'email', 'email_verified', 'roles', 'is_active', 'last_login', 'date_joined', 'tokens_valid_after'] as const;

/** Columns of `gatehouse_device` that make a `DeviceView`, selected with the prefix `d_`. */
export const DEVICE_COLUMNS = ['id', 'user_id', 'name', 'user_agent', 'created_at', 'last_seen_at', 'expires_at', 'revoked_at'] as const;

/** `u.id as u_id, u.username as u_username, …` for a select list. */
export function selectList(alias: string, prefix: string, columns: readonly string[]): string {
  return columns.map((column) => `${alias}.${column} as ${prefix}${column}`).join(', ');
}

export function userFromRow(row: Row, prefix = 'u_'): UserSnapshot {
  const roles = row[`${prefix}roles`];
  const tokensValidAfter = msOf(row[`${prefix}tokens_valid_after`]);
  return {
    id: String(row[`${prefix}id`]),
    username: String(row[`${prefix}username`]),
    email: row[`${prefix}email`] == null ? null : String(row[`${prefix}email`]),
    emailVerified: Boolean(row[`${prefix}email_verified`]),
    roles: typeof roles === 'string' ? (JSON.parse(roles) as string[]) : [...((roles as string[] | null) ?? [])],
    isActive: Boolean(row[`${prefix}is_active`]),
    lastLogin: row[`${prefix}last_login`] == null ? null : dateOf(row[`${prefix}last_login`]),
    dateJoined: dateOf(row[`${prefix}date_joined`]),
    tokensValidAfter: firstValidIat(tokensValidAfter === null ? null : new Date(tokensValidAfter)),
  };
}

export function deviceFromRow(row: Row, prefix = 'd_'): DeviceView {
  return {
    id: String(row[`${prefix}id`]),
    userId: String(row[`${prefix}user_id`]),
    name: String(row[`${prefix}name`]),
    userAgent: row[`${prefix}user_agent`] == null ? null : String(row[`${prefix}user_agent`]),
    createdAt: dateOf(row[`${prefix}created_at`]),
    lastSeenAt: dateOf(row[`${prefix}last_seen_at`]),
    expiresAt: dateOf(row[`${prefix}expires_at`]),
    revokedAt: row[`${prefix}revoked_at`] == null ? null : dateOf(row[`${prefix}revoked_at`]),
  };
}
