import { Migration } from '@mikro-orm/migrations';
import { DOWN, UP } from '../shared/Migration20261202140000';

/**
 * One live app token per user and app, enforced by the database (issue 15): older live
 * duplicates (left by racing creations before this index) are revoked first, at the time
 * the newest one was created. And an index of the rotated tokens that still hold a sealed
 * successor, which the store clears once the grace window has passed.
 */
export class Migration20261202140000 extends Migration {
  override async up(): Promise<void> {
    for (const statement of UP) this.addSql(statement);
  }

  override async down(): Promise<void> {
    for (const statement of DOWN) this.addSql(statement);
  }
}
