/**
 * `npx gatehouse-graphql --help` (the real bin, through npx) lists every registered command,
 * and each command answers --help (through the same `runCli` the bin calls, in this process:
 * one process per command cost seconds and showed nothing more).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { commandNames, runCli } from '../src/cli/main';

const ROOT = join(__dirname, '..', '..');
const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'silent' } });

it('npx gatehouse-graphql --help lists every command of the registry; each has its own --help', async () => {
  const names = commandNames();
  assert.ok(names.includes('users create') && names.includes('migrate'));
  const help = run('npx', ['--no-install', 'gatehouse-graphql', '--help']);
  assert.equal(help.status, 0, help.stderr);
  for (const name of names) {
    assert.match(help.stdout, new RegExp(`^  ${name}\\s+\\S`, 'm'), `--help lists "${name}" with a summary`);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([...name.split(' '), '--help'], { out: (line) => out.push(line), err: (line) => err.push(line), readStdin: async () => '', env: {} });
    assert.equal(code, 0, err.join('\n'));
    assert.match(out.join('\n'), new RegExp(`^Usage: gatehouse-graphql ${name}\\b`), `"${name} --help" shows its usage`);
  }
});
