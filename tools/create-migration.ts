/**
 * Developer tool: writes the next migration for both dialects from the entity definitions.
 *   npm run build && node dist/tools/create-migration.js
 * PostgreSQL must answer at PG_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * a scratch database is created and dropped. Then list the new migration in
 * src/migrations/<dialect>/index.ts, as `lazyMigration('MigrationX', () => require('./MigrationX'))`.
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { ormConfig } from '../src/db/config';
import { settingsWith } from '../src/settings';
import { withScratchPostgres } from '../test/support/postgres';

async function create(databaseUrl: string) {
  const config = ormConfig(settingsWith({ database: { url: databaseUrl } }).database);
  const orm = await MikroORM.init(config as Parameters<typeof MikroORM.init>[0]);
  try {
    const migrator = orm.getMigrator();
    await migrator.up();
    const result = await migrator.createMigration();
    console.log(result.fileName ? `${databaseUrl.split(':')[0]}: wrote ${result.fileName}` : 'no changes');
  } finally {
    await orm.close(true);
  }
}

async function main() {
  await create(`sqlite:${join(mkdtempSync(join(tmpdir(), 'gh-mig-')), 'scratch.sqlite')}`);
  await withScratchPostgres((url) => create(url));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
