/**
 * MikroORM's libsql dialect replaces its SQLite connection once it is 10 s old (by the wall
 * clock, `Date.now()`), and only the first connection gets MikroORM's `pragma foreign_keys
 * = on` (libsql happens to build with foreign keys on). Gatehouse's pool hook
 * (src/db/config.ts) sets them, WAL and the busy timeout on every connection, so foreign keys
 * and their cascades hold for the server's whole life. The test
 * moves the wall clock the pool reads instead of waiting 10 s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { startTestServer, type TestServer } from './support/server';

describe('SQLite connections', () => {
  let running: TestServer;
  before(async () => {
    running = await startTestServer('sqlite');
  });
  after(() => running.stop());
  const server = () => running;
  it('a replaced connection keeps foreign keys, WAL and the busy timeout', async () => {
    const { sql, createUser } = server();
    const pragmas = async () => ({
      foreignKeys: Number(Object.values((await sql('PRAGMA foreign_keys'))[0]!)[0]),
      journal: String(Object.values((await sql('PRAGMA journal_mode'))[0]!)[0]),
      busyTimeout: Number(Object.values((await sql('PRAGMA busy_timeout'))[0]!)[0]),
    });
    const expected = { foreignKeys: 1, journal: 'wal', busyTimeout: 5000 };
    assert.deepEqual(await pragmas(), expected);
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 60_000 });
    try {
      assert.deepEqual(await pragmas(), expected, 'after the pool replaced its connection');
      const { id } = await createUser({ username: 'cascade' });
      await sql(`insert into gatehouse_device (id, user_id, name, created_at, last_seen_at, expires_at) values ('d1', '${id}', 'phone', 0, 0, 0)`);
      await assert.rejects(sql(`insert into gatehouse_device (id, user_id, name, created_at, last_seen_at, expires_at) values ('d2', 'no-such-user', 'phone', 0, 0, 0)`), /FOREIGN KEY/);
      await sql(`delete from gatehouse_user where id = '${id}'`);
      assert.deepEqual(await sql(`select id from gatehouse_device where user_id = '${id}'`), [], 'the device went with its user');
    } finally {
      mock.timers.reset();
    }
  });
});
