/** The `gatehouse` command, run as users run it: a real process, a real database. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gatehouseMigrations } from '../src/migrations';
import { testEnv } from './support/server';
import { assertData, bearer, gql, login, ME } from './support/http';

const BIN = join(__dirname, '..', '..', 'bin', 'gatehouse-graphql.js');
const MAIN = join(__dirname, '..', 'src', 'server', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
const env = { ...process.env, ...testEnv({ DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}`, GATEHOUSE_DATA_DIR: dir }) };

function gatehouse(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env, input, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

// --help, of the command and of each subcommand, is cli-help.test.ts's.
describe('gatehouse CLI', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate applies the migrations once', () => {
    const first = gatehouse(['migrate']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(`Applied ${gatehouseMigrations.sqlite.length} migration\\(s\\)`));
    const again = gatehouse(['migrate']);
    assert.equal(again.code, 0);
    assert.match(again.out, /No pending migrations/);
  });

  it('users create makes a user who can then sign in, with --password or --password-stdin', async () => {
    const created = gatehouse(['users', 'create', 'cli-ada', '--email', 'ada@example.com', '--role', 'admin', '--role', 'ops', '--password', 's3cret pass']);
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /Created user cli-ada .*roles admin, ops/);
    const piped = gatehouse(['users', 'create', 'cli-bob', '--password-stdin'], 'piped secret\n');
    assert.equal(piped.code, 0, piped.err);

    const server = spawn(process.execPath, [MAIN], { env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout.on('data', (chunk: Buffer) => {
          const match = /serving (http:\S+)/.exec(chunk.toString());
          if (match) resolve(match[1]);
        });
        server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      const ada = assertData(await login(url, 'cli-ada', 's3cret pass')).tokenAuth;
      assert.deepEqual(ada.user.roles, ['admin', 'ops']);
      assert.equal(ada.user.email, 'ada@example.com');
      assertData(await login(url, 'cli-bob', 'piped secret'));
      assert.equal(assertData(await gql(url, ME, {}, bearer(ada.token))).me.username, 'cli-ada');
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('refuses a duplicate username, an empty password and bad usage with clear messages and exit codes', () => {
    const duplicate = gatehouse(['users', 'create', 'cli-ada', '--password', 'x2']); // created above
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.err, /already exists/);
    const empty = gatehouse(['users', 'create', 'empty', '--password-stdin'], '\n');
    assert.equal(empty.code, 1);
    assert.match(empty.err, /must not be empty/);
    const both = gatehouse(['users', 'create', 'both', '--password', 'a', '--password-stdin'], 'b\n');
    assert.equal(both.code, 2);
    const noName = gatehouse(['users', 'create', '--password', 'a']);
    assert.equal(noName.code, 2);
    assert.match(noName.err, /USERNAME/);
    const unknown = gatehouse(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command/);
    const badName = gatehouse(['users', 'create', 'has space', '--password', 'a']);
    assert.equal(badName.code, 1);
    assert.match(badName.err, /username/);
  });
});
