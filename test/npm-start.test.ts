/**
 * `npm start` under a process manager: SIGTERM to the npm process reaches the server (the
 * script execs node, so no shell sits between), which drains and exits 0, and npm with it;
 * no process is left behind. (`--ignore-scripts` skips the prestart build: `npm test` built.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { TEST_SECRET } from './support/server';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-npm-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Every descendant of `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  const children = readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

it('npm start stopped with SIGTERM exits 0 and leaves no process behind', { skip: !existsSync('/proc/self/task') && 'needs /proc' }, async () => {
  const npm = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, JWT_SECRET: TEST_SECRET, DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, GATEHOUSE_DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent', GATEHOUSE_WORKER_NICE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => npm.once('exit', (code, signal) => resolve([code, signal])));
  const url = await new Promise<string>((resolve, reject) => {
    npm.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /serving (http:\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    npm.once('exit', () => reject(new Error(`npm start exited:\n${output}`)));
  });
  let tree: number[] = [];
  try {
    assert.equal((await fetch(url.replace(/\/graphql$/, '/healthz'))).status, 200);
    tree = descendants(npm.pid!);
    assert.ok(tree.length >= 1, 'npm runs the server as its child');
    npm.kill('SIGTERM');
    const [code, signal] = await Promise.race([exited, new Promise<[string, null]>((resolve) => setTimeout(() => resolve(['still running after 15 s', null]), 15_000).unref())]);
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, output);
    assert.match(output, /SIGTERM, shutting down/);
    assert.deepEqual(tree.filter(alive), [], 'no process left behind');
  } finally {
    for (const pid of [...tree, ...descendants(npm.pid!)].filter(alive)) process.kill(pid, 'SIGKILL');
    if (npm.exitCode === null) npm.kill('SIGKILL');
  }
});
