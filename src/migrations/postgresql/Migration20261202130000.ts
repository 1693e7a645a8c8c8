import { Migration } from '@mikro-orm/migrations';
import { DOWN, UP } from '../shared/Migration20261202130000';

/**
 * Indexes for a database that has grown: ending a device (logout, reuse detection,
 * logoutOtherDevices) finds its tokens by device_id, and `tokens clear` finds ended devices
 * and revoked tokens without scanning the tables. Partial indexes hold only the dead rows.
 */
export class Migration20261202130000 extends Migration {
  override async up(): Promise<void> {
    for (const statement of UP) this.addSql(statement);
  }

  override async down(): Promise<void> {
    for (const statement of DOWN) this.addSql(statement);
  }
}
