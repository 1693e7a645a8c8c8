import { Migration } from '@mikro-orm/migrations';

/**
 * Rotation on SQLite in one statement (issue 14): `gatehouse_rotation` is the presented token
 * with its device and user (every column the rotation rule and the answer need, named as the
 * store reads them), plus the columns of one rotation's write, null when read. Rotating is an
 * `update gatehouse_rotation set rotate_at = …, … where token_hash = ? returning …`: SQLite
 * takes the write lock before it reads the view's row, so the row is the current state; the
 * trigger writes only when that state is the rotate case of `decideRotation` (its guards; the
 * rule itself is decided again in the store from the returned row), and then writes all
 * three parts in the one statement: the device's expiry slides when due (the thresholds come
 * from `src/store/slide.ts`), the token is claimed, its successor inserted. One statement is
 * one transaction: all or nothing. The statement's `returning` reads the rows after the
 * trigger (whether the successor exists, the device's times), the view's own columns the state
 * before it. See `src/store/rotation-write.ts`.
 *
 * And the token table loses its index on `user_id` alone, which `(user_id, kind, app)`
 * already serves: one B-tree less to write per token (PostgreSQL never had it).
 */
export const UP: readonly string[] = [
  'drop index `gatehouse_refresh_token_user_id_index`;',
  `create view gatehouse_rotation as select t.token_hash as token_hash, ` +
    `t.id as t_id, t.kind as t_kind, t.orig_iat as t_orig_iat, t.used_at as t_used_at, t.revoked_at as t_revoked_at, ` +
    `t.replaced_by_id as t_replaced_by_id, t.sealed_successor as t_sealed_successor, ` +
    `d.id as d_id, d.user_id as d_user_id, d.name as d_name, d.user_agent as d_user_agent, d.created_at as d_created_at, ` +
    `d.last_seen_at as d_last_seen_at, d.expires_at as d_expires_at, d.revoked_at as d_revoked_at, ` +
    `u.id as u_id, u.username as u_username, u.email as u_email, u.email_verified as u_email_verified, u.roles as u_roles, ` +
    `u.is_active as u_is_active, u.last_login as u_last_login, u.date_joined as u_date_joined, u.tokens_valid_after as u_tokens_valid_after, ` +
    `null as rotate_at, null as rotate_expires_at, null as slide_last_seen_before, null as slide_expires_before, ` +
    `null as successor_id, null as successor_hash, null as successor_sealed ` +
    `from gatehouse_refresh_token t join gatehouse_user u on u.id = t.user_id left join gatehouse_device d on d.id = t.device_id;`,
  `create trigger gatehouse_rotation_write instead of update on gatehouse_rotation for each row ` +
    `when new.rotate_at is not null and old.t_kind = 'device' and old.t_used_at is null and old.t_revoked_at is null ` +
    `and old.d_id is not null and old.d_revoked_at is null and old.d_expires_at > new.rotate_at and old.d_user_id = old.u_id and old.u_is_active ` +
    `begin ` +
    `update gatehouse_device set last_seen_at = new.rotate_at, expires_at = new.rotate_expires_at ` +
    `where id = old.d_id and (last_seen_at <= new.slide_last_seen_before or expires_at <= new.slide_expires_before); ` +
    `update gatehouse_refresh_token set used_at = new.rotate_at, replaced_by_id = new.successor_id, sealed_successor = new.successor_sealed where id = old.t_id; ` +
    `insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at) ` +
    `values (new.successor_id, 'device', new.successor_hash, old.u_id, old.d_id, old.t_orig_iat, new.rotate_at); ` +
    `end;`,
];

export const DOWN: readonly string[] = [
  'drop trigger gatehouse_rotation_write;',
  'drop view gatehouse_rotation;',
  'create index `gatehouse_refresh_token_user_id_index` on `gatehouse_refresh_token` (`user_id`);',
];

export class Migration20261202183000 extends Migration {
  override async up(): Promise<void> {
    for (const statement of UP) this.addSql(statement);
  }

  override async down(): Promise<void> {
    for (const statement of DOWN) this.addSql(statement);
  }
}
