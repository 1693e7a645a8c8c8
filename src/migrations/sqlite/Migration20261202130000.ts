import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for a database that has grown: ending a device (logout, reuse detection,
 * logoutOtherDevices) finds its tokens by device_id, and `tokens clear` finds ended devices
 * and revoked tokens without scanning the tables. Partial indexes hold only the dead rows.
 */
export class Migration20261202130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index if not exists "gatehouse_refresh_token_device_id_index" on "gatehouse_refresh_token" ("device_id");');
    this.addSql('create index if not exists "gatehouse_refresh_token_revoked_at_index" on "gatehouse_refresh_token" ("revoked_at") where "revoked_at" is not null;');
    this.addSql('create index if not exists "gatehouse_device_expires_at_index" on "gatehouse_device" ("expires_at");');
    this.addSql('create index if not exists "gatehouse_device_revoked_at_index" on "gatehouse_device" ("revoked_at") where "revoked_at" is not null;');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists "gatehouse_device_revoked_at_index";');
    this.addSql('drop index if exists "gatehouse_device_expires_at_index";');
    this.addSql('drop index if exists "gatehouse_refresh_token_revoked_at_index";');
    this.addSql('drop index if exists "gatehouse_refresh_token_device_id_index";');
  }
}
