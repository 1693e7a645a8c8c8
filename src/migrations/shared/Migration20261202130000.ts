/**
 * The statements of Migration20261202130000 (indexes for a grown database), the same text on SQLite and PostgreSQL:
 * each dialect's migration class runs these.
 */
export const UP: readonly string[] = [
  'create index if not exists "gatehouse_refresh_token_device_id_index" on "gatehouse_refresh_token" ("device_id");',
  'create index if not exists "gatehouse_refresh_token_revoked_at_index" on "gatehouse_refresh_token" ("revoked_at") where "revoked_at" is not null;',
  'create index if not exists "gatehouse_device_expires_at_index" on "gatehouse_device" ("expires_at");',
  'create index if not exists "gatehouse_device_revoked_at_index" on "gatehouse_device" ("revoked_at") where "revoked_at" is not null;',
];

export const DOWN: readonly string[] = [
  'drop index if exists "gatehouse_device_revoked_at_index";',
  'drop index if exists "gatehouse_device_expires_at_index";',
  'drop index if exists "gatehouse_refresh_token_revoked_at_index";',
  'drop index if exists "gatehouse_refresh_token_device_id_index";',
];
