/**
 * MikroORM's libsql dialect replaces its SQLite connection once it is 10 s old (by the wall
 * clock, `Date.now()`), and only the first connection gets MikroORM's `pragma foreign_keys
 * = on` (libsql happens to build with foreign keys on). Gatehouse's pool hook
 * (src/db/config.ts) sets them, WAL and the busy timeout on every connection, so foreign keys
 * and their cascades hold for the server's whole life. The test
 * moves the wall clock the pool reads instead of waiting 10 s.
 *
 * The server's connections leave checkpoints to a worker thread (src/db/sqlite-checkpoints.ts):
 * what the server writes reaches the database file, and the log starts over instead of
 * growing, without the test (or the server's connection) ever checkpointing.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it, mock } from 'node:test';
import { BACKGROUND_AUTOCHECKPOINT_FRAMES } from '../src/db/config';
import { RESTART_FRAMES } from '../src/db/sqlite-checkpoints';
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
      autoCheckpoint: Number(Object.values((await sql('PRAGMA wal_autocheckpoint'))[0]!)[0]),
    });
    const expected = { foreignKeys: 1, journal: 'wal', busyTimeout: 5000, autoCheckpoint: BACKGROUND_AUTOCHECKPOINT_FRAMES };
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

  it('a worker copies the log into the database and starts it over while the server writes', async () => {
    const { sql, settings } = server();
    const file = settings.database.url.replace(/^sqlite:/, '');
    const size = (path: string) => {
      try {
        return statSync(path).size;
      } catch {
        return 0;
      }
    };
    await sql('create table scratch (id integer primary key, body blob not null)');
    const before = size(file);
    // Over twice the log's length at which the worker starts it over (RESTART_FRAMES pages
    // of 4 KiB), and less than SQLite's own bound on the server's connection.
    const written = 36 * 1024 * 1024;
    assert.ok(written > 2 * RESTART_FRAMES * 4096 && written < BACKGROUND_AUTOCHECKPOINT_FRAMES * 4096);
    let largestLog = 0;
    for (let i = 0; i < written / 8192; i++) {
      await sql(`insert into scratch (body) values (randomblob(8192))`);
      largestLog = Math.max(largestLog, size(`${file}-wal`));
    }
    // The worker looks every 20 ms (more under load): poll for its copy, never checkpointing here.
    const grown = () => size(file) - before;
    for (let tries = 0; grown() < written && tries < 1000; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(grown() >= written, `the database file grew by ${grown()} bytes of ${written} written`);
    // The log file keeps its size when the log starts over: had it never, it would hold everything written.
    assert.ok(largestLog < written, `the log started over (its file peaked at ${largestLog} bytes)`);
  });
});
