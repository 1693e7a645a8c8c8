import { Migration } from '@mikro-orm/migrations';

/**
 * One live app token per user and app, enforced by the database (issue 15): older live
 * duplicates (left by racing creations before this index) are revoked first, at the time
 * the newest one was created. And an index of the rotated tokens that still hold a sealed
 * successor, which the store clears once the grace window has passed.
 */
export class Migration20261202140000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`update gatehouse_refresh_token set revoked_at = (select max(n.created_at) from gatehouse_refresh_token n where n.kind = 'app' and n.revoked_at is null and n.user_id = gatehouse_refresh_token.user_id and n.app = gatehouse_refresh_token.app) where kind = 'app' and revoked_at is null and exists (select 1 from gatehouse_refresh_token n where n.kind = 'app' and n.revoked_at is null and n.user_id = gatehouse_refresh_token.user_id and n.app = gatehouse_refresh_token.app and (n.created_at > gatehouse_refresh_token.created_at or (n.created_at = gatehouse_refresh_token.created_at and n.id > gatehouse_refresh_token.id)));`);
    this.addSql(`create unique index gatehouse_refresh_token_live_app_unique on gatehouse_refresh_token (user_id, app) where kind = 'app' and revoked_at is null;`);
    this.addSql(`create index gatehouse_refresh_token_sealed_index on gatehouse_refresh_token (used_at) where sealed_successor is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index gatehouse_refresh_token_sealed_index;`);
    this.addSql(`drop index gatehouse_refresh_token_live_app_unique;`);
  }

}
