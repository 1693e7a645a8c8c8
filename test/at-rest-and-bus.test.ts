/**
 * Issue 15's smaller findings away from HTTP: the SQLite file and its folder are private to
 * the owner, and the PostgreSQL invalidation bus logs an outage once and its end once.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from 'pg';
import { postgresBus } from '../src/cluster/postgres-bus';
import { openDatabase } from '../src/db/orm';
import type { SessionCache } from '../src/sessions/cache';
import { loadSettings } from '../src/settings';
import { createScratchPostgres, PG_ADMIN_URL, postgresSkip } from './support/postgres';
import { testEnv } from './support/server';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the SQLite file at rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-modes-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is created 600 in folders created 700, whatever the umask allows', async () => {
    const previous = process.umask(0o022);
    try {
      const file = join(dir, 'new', 'deeper', 'gatehouse.sqlite');
      const orm = await openDatabase(loadSettings(testEnv({ DATABASE_URL: `sqlite:${file}` })).database);
      await orm.em.getConnection().execute('create table t (x integer)');
      await orm.close(true);
      assert.equal(modeOf(file).toString(8), '600');
      assert.equal(modeOf(join(dir, 'new')).toString(8), '700');
      assert.equal(modeOf(join(dir, 'new', 'deeper')).toString(8), '700');
      assert.equal(modeOf(dir).toString(8), '700', 'mkdtemp made it 700; left as it was');
    } finally {
      process.umask(previous);
    }
  });

  it('an existing file readable by others is narrowed to 600', async () => {
    const file = join(dir, 'old.sqlite');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const orm = await openDatabase(loadSettings(testEnv({ DATABASE_URL: `sqlite:${file}` })).database);
    await orm.close(true);
    assert.equal(modeOf(file).toString(8), '600');
  });
});

describe('the PostgreSQL bus while its listener is down', { skip: postgresSkip() }, () => {
  it('logs "listener lost" once per outage however many reconnects fail, and once when it is back', async () => {
    const scratch = await createScratchPostgres();
    const name = new URL(scratch.url).pathname.slice(1);
    const admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    const lines: string[] = [];
    const cache = { publish: undefined, setBypass() {}, apply() {} } as unknown as SessionCache;
    const bus = postgresBus(scratch.url, (line) => lines.push(line), { retryMs: 20 });
    const until = async (what: () => boolean, ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end && !what(); ) await new Promise((resolve) => setTimeout(resolve, 10));
      return what();
    };
    const cutOff = async () => {
      await admin.query(`alter database ${name} allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    };
    try {
      await bus.attach(cache);
      assert.equal(await bus.ready(), true);
      await cutOff();
      assert.ok(await until(() => lines.length > 0, 2000), 'the loss was noticed');
      // Many reconnects fail meanwhile (one every 20 ms).
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(await bus.ready(), false);
      await admin.query(`alter database ${name} allow_connections true`);
      assert.ok(await until(() => lines.some((line) => /listener is back/.test(line)), 3000), lines.join('\n'));
      assert.equal(await bus.ready(), true);
      // A second outage is logged again, once.
      await cutOff();
      assert.ok(await until(() => lines.length > 2, 2000));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await admin.query(`alter database ${name} allow_connections true`);
      assert.ok(await until(() => lines.length > 3, 3000), lines.join('\n'));
      assert.deepEqual(lines.map((line) => (/listener lost/.test(line) ? 'lost' : /listener is back/.test(line) ? 'back' : line)), ['lost', 'back', 'lost', 'back']);
    } finally {
      await bus.close();
      await admin.end();
      await scratch.drop();
    }
  });
});
