/**
 * The statements of Migration20261202140000 (one live app token per user and app; the sealed-successor index), the same text on SQLite and PostgreSQL:
 * each dialect's migration class runs these.
 */
export const UP: readonly string[] = [
  `update gatehouse_refresh_token set revoked_at = (select max(n.created_at) from gatehouse_refresh_token n where n.kind = 'app' and n.revoked_at is null and n.user_id = gatehouse_refresh_token.user_id and n.app = gatehouse_refresh_token.app) where kind = 'app' and revoked_at is null and exists (select 1 from gatehouse_refresh_token n where n.kind = 'app' and n.revoked_at is null and n.user_id = gatehouse_refresh_token.user_id and n.app = gatehouse_refresh_token.app and (n.created_at > gatehouse_refresh_token.created_at or (n.created_at = gatehouse_refresh_token.created_at and n.id > gatehouse_refresh_token.id)));`,
  `create unique index gatehouse_refresh_token_live_app_unique on gatehouse_refresh_token (user_id, app) where kind = 'app' and revoked_at is null;`,
  `create index gatehouse_refresh_token_sealed_index on gatehouse_refresh_token (used_at) where sealed_successor is not null;`,
];

export const DOWN: readonly string[] = [
  `drop index gatehouse_refresh_token_sealed_index;`,
  `drop index gatehouse_refresh_token_live_app_unique;`,
];
