/**
 * A database that cannot be opened stops `npm start` (and the CLI) with one line that names
 * DATABASE_URL and where it points, never the password of the URL.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { TEST_SECRET } from './support/server';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], databaseUrl: string) {
  const result = spawnSync(process.execPath, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', JWT_SECRET: TEST_SECRET, DATABASE_URL: databaseUrl, GATEHOUSE_DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr.trim() };
}

const SERVER = [join(ROOT, 'dist', 'src', 'server', 'main.js')];
const CLI = [join(ROOT, 'bin', 'gatehouse-graphql.js'), 'migrate'];

it('a SQLite path that cannot be a file: the line names DATABASE_URL and the file', () => {
  writeFileSync(join(dir, 'not-a-folder'), '');
  const path = join(dir, 'not-a-folder', 'db.sqlite');
  for (const args of [SERVER, CLI]) {
    const { status, stderr } = run(args, `sqlite:${path}`);
    assert.equal(status, 1);
    assert.equal(stderr.split('\n').length, 1, stderr);
    assert.match(stderr, new RegExp(`DATABASE_URL: cannot open the SQLite file ${path.replace(/[/.]/g, '\\$&')} \\(`));
  }
});

it('an unreachable PostgreSQL: the line names DATABASE_URL, host, port and database, not the password', () => {
  for (const args of [SERVER, CLI]) {
    const { status, stderr } = run(args, 'postgres://app:hunter2-secret@127.0.0.1:1/appdb');
    assert.equal(status, 1);
    assert.equal(stderr.split('\n').length, 1, stderr);
    assert.match(stderr, /DATABASE_URL: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/appdb \(.*ECONNREFUSED/);
    assert.doesNotMatch(stderr, /hunter2|app:/);
  }
});
