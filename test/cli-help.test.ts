/** `npx gatehouse-graphql --help` lists every registered command, and each command answers --help. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { commandNames } from '../src/cli/main';

const ROOT = join(__dirname, '..', '..');
const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'silent' } });

it('npx gatehouse-graphql --help lists every command of the registry; each has its own --help', () => {
  const names = commandNames();
  assert.ok(names.includes('users create') && names.includes('migrate'));
  const help = run('npx', ['--no-install', 'gatehouse-graphql', '--help']);
  assert.equal(help.status, 0, help.stderr);
  for (const name of names) {
    assert.match(help.stdout, new RegExp(`^  ${name}\\s+\\S`, 'm'), `--help lists "${name}" with a summary`);
    const own = run(process.execPath, [join(ROOT, 'bin', 'gatehouse-graphql.js'), ...name.split(' '), '--help']);
    assert.equal(own.status, 0, own.stderr);
    assert.match(own.stdout, new RegExp(`^Usage: gatehouse-graphql ${name}\\b`), `"${name} --help" shows its usage`);
  }
});
