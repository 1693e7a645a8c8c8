/**
 * The committed migrations build exactly the schema the entities describe, on SQLite and
 * PostgreSQL: after migrating a new database, MikroORM finds nothing left to migrate. (A
 * change to an entity without its migration fails here, not in production.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { migrate, openDatabase } from '../src/db/orm';
import { settingsWith } from '../src/settings';
import { postgresSkip, withScratchPostgres } from './support/postgres';

async function nothingLeft(url: string): Promise<void> {
  const orm = await openDatabase(settingsWith({ database: { url } }).database);
  try {
    assert.ok((await migrate(orm)).length > 0, 'the migrations ran');
    assert.equal(await orm.getMigrator().checkMigrationNeeded(), false, 'the entities and the migrations agree');
  } finally {
    await orm.close(true);
  }
}

it('SQLite: the migrations make the entities\' schema', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrations-'));
  try {
    await nothingLeft(`sqlite:${join(dir, 'm.sqlite')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('PostgreSQL: the migrations make the entities\' schema', { skip: postgresSkip() }, async () => {
  await withScratchPostgres(nothingLeft);
});
