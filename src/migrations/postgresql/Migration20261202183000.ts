import { Migration } from '@mikro-orm/migrations';

/**
 * Rotation on PostgreSQL as one call of `gatehouse_rotate(…)` (issue 14): the function holds
 * the rotation's one statement (read, device lock, slide when due, claim, successor; see
 * `src/store/rotation-write.ts`), so PostgreSQL parses and plans it once per connection
 * instead of on every rotation (em.execute sends each statement as text, where planning the
 * statement cost more than running it), and answers with one `json` value: the presented
 * token with its device and user as the statement's snapshot had them, `written`, and the
 * device's times after the statement; null for an unknown token.
 *
 * `t` is the token as it was (every part of a statement sees the same snapshot). `device`
 * locks the device's row (`for no key update`, the lock an update takes) before the claim,
 * which depends on it, locks the token's: the lock order of every session write (User,
 * Device, RefreshToken), so rotations, repeats and endings of one device run one after the
 * other. The device's last-seen time and expiry are written only when due (`slid`; the
 * thresholds come from `src/store/slide.ts`). The guards are the rotate case of
 * `decideRotation` as conditions on the rows being written: they decide races, and a lost
 * race writes nothing. Invoker's rights; nothing else calls it.
 */
export const UP: readonly string[] = [
  `create function gatehouse_rotate(p_token_hash text, p_at timestamptz, p_expires_at timestamptz, p_last_seen_before timestamptz, p_expires_before timestamptz, ` +
    `p_successor_id uuid, p_successor_hash text, p_sealed text) returns json language plpgsql volatile as $$
declare
  answer json;
begin
  with t as (
    select t.id as t_id, t.kind as t_kind, t.orig_iat as t_orig_iat, t.used_at as t_used_at, t.revoked_at as t_revoked_at,
      t.replaced_by_id as t_replaced_by_id, t.sealed_successor as t_sealed_successor,
      d.id as d_id, d.user_id as d_user_id, d.name as d_name, d.user_agent as d_user_agent, d.created_at as d_created_at,
      d.last_seen_at as d_last_seen_at, d.expires_at as d_expires_at, d.revoked_at as d_revoked_at,
      u.id as u_id, u.username as u_username, u.email as u_email, u.email_verified as u_email_verified, u.roles as u_roles,
      u.is_active as u_is_active, u.last_login as u_last_login, u.date_joined as u_date_joined, u.tokens_valid_after as u_tokens_valid_after
    from gatehouse_refresh_token t join gatehouse_user u on u.id = t.user_id left join gatehouse_device d on d.id = t.device_id
    where t.token_hash = p_token_hash
  ), device as (
    select id, last_seen_at, expires_at from gatehouse_device
    where id = (select d_id from t where t_kind = 'device' and t_used_at is null and t_revoked_at is null)
      and revoked_at is null and expires_at > p_at and user_id in (select u_id from t where u_is_active = true)
    for no key update
  ), slid as (
    update gatehouse_device set last_seen_at = p_at, expires_at = p_expires_at
    where id in (select id from device where last_seen_at <= p_last_seen_before or expires_at <= p_expires_before)
    returning last_seen_at, expires_at
  ), claimed as (
    update gatehouse_refresh_token set used_at = p_at, replaced_by_id = p_successor_id, sealed_successor = p_sealed
    where id = (select t_id from t) and used_at is null and revoked_at is null and device_id in (select id from device)
    returning user_id, device_id, orig_iat
  ), inserted as (
    insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at)
    select p_successor_id, 'device', p_successor_hash, user_id, device_id, orig_iat, p_at from claimed returning id
  )
  select to_json(r) into answer from (
    select t.*, (select count(*) from inserted) as written,
      coalesce((select last_seen_at from slid), (select last_seen_at from device)) as n_last_seen_at,
      coalesce((select expires_at from slid), (select expires_at from device)) as n_expires_at
    from t
  ) r;
  return answer;
end
$$;`,
];

export const DOWN: readonly string[] = ['drop function gatehouse_rotate(text, timestamptz, timestamptz, timestamptz, timestamptz, uuid, text, text);'];

export class Migration20261202183000 extends Migration {
  override async up(): Promise<void> {
    for (const statement of UP) this.addSql(statement);
  }

  override async down(): Promise<void> {
    for (const statement of DOWN) this.addSql(statement);
  }
}
