/**
 * The `gatehouse` command, run as users run it: a real process, a real database. Through the
 * bin: a first migrate, a piped --password-stdin, and exit codes 1 and 2 as a shell sees them;
 * the rest through the bin's runCli in this process (a process costs ~0.6 s of CPU and shows
 * nothing more there).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gatehouseMigrations } from '../src/migrations';
import { cliHere } from './support/process';
import { startTestServer, testEnv } from './support/server';
import { assertData, bearer, gql, login, ME } from './support/http';

const BIN = join(__dirname, '..', '..', 'bin', 'gatehouse-graphql.js');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
const env = { ...process.env, ...testEnv({ DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}`, GATEHOUSE_DATA_DIR: dir }) };

function gatehouse(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env, input, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}
/** The same command through the bin's runCli, in this process. */
const here = (args: string[], input?: string) => cliHere(args, { DATABASE_URL: env.DATABASE_URL!, GATEHOUSE_DATA_DIR: dir }, input);

// --help, of the command and of each subcommand, is cli-help.test.ts's.
describe('gatehouse CLI', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate applies the migrations once', async () => {
    const first = gatehouse(['migrate']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(`Applied ${gatehouseMigrations.sqlite.length} migration\\(s\\)`));
    const again = await here(['migrate']);
    assert.equal(again.code, 0);
    assert.match(again.out, /No pending migrations/);
  });

  it('users create makes a user who can then sign in, with --password or --password-stdin', async () => {
    const created = await here(['users', 'create', 'cli-ada', '--email', 'ada@example.com', '--role', 'admin', '--role', 'ops', '--password', 's3cret pass']);
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /Created user cli-ada .*roles admin, ops/);
    const piped = gatehouse(['users', 'create', 'cli-bob', '--password-stdin'], 'piped secret\n');
    assert.equal(piped.code, 0, piped.err);

    // A server (in this process: the CLI is what runs as users run it here) on the CLI's database.
    const server = await startTestServer('sqlite', { DATABASE_URL: env.DATABASE_URL!, GATEHOUSE_DATA_DIR: dir });
    try {
      const ada = assertData(await login(server.url, 'cli-ada', 's3cret pass')).tokenAuth;
      assert.deepEqual(ada.user.roles, ['admin', 'ops']);
      assert.equal(ada.user.email, 'ada@example.com');
      assertData(await login(server.url, 'cli-bob', 'piped secret'));
      assert.equal(assertData(await gql(server.url, ME, {}, bearer(ada.token))).me.username, 'cli-ada');
    } finally {
      await server.stop();
    }
  });

  // Two refusals through the bin (exit 1 and 2 as a shell sees them); the other cases through
  // the same runCli in this process, as each process costs about half a second of CPU.
  it('refuses a duplicate username, an empty password and bad usage with clear messages and exit codes', async () => {
    const duplicate = gatehouse(['users', 'create', 'cli-ada', '--password', 'x2']); // created above
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.err, /already exists/);
    const empty = await here(['users', 'create', 'empty', '--password-stdin'], '\n');
    assert.equal(empty.code, 1);
    assert.match(empty.err, /must not be empty/);
    const both = await here(['users', 'create', 'both', '--password', 'a', '--password-stdin'], 'b\n');
    assert.equal(both.code, 2);
    const noName = await here(['users', 'create', '--password', 'a']);
    assert.equal(noName.code, 2);
    assert.match(noName.err, /USERNAME/);
    const unknown = gatehouse(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command/);
    const badName = await here(['users', 'create', 'has space', '--password', 'a']);
    assert.equal(badName.code, 1);
    assert.match(badName.err, /username/);
  });
});
