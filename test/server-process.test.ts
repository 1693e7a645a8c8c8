/**
 * `npm start` as a process (node dist/src/server/main.js): its worker threads run at a
 * lower CPU priority than the event loop (GATEHOUSE_WORKER_NICE), it warns about misspelt
 * settings, and with the bench's hook preloaded (dist/bench/event-loop-hook.js) it reports
 * its event-loop delay on SIGUSR2 (for `npm run bench`).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { TEST_SECRET } from './support/server';

const MAIN = join(__dirname, '..', 'src', 'server', 'main.js');
const EVENT_LOOP_HOOK = join(__dirname, '..', 'bench', 'event-loop-hook.js');
const linux = existsSync('/proc/self/task');

interface Started {
  child: ChildProcess;
  stderrLines: string[];
  nextStderr(): Promise<string>;
}

const started: ChildProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const child of started) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>, nodeArgs: string[] = []): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-process-'));
  dirs.push(dir);
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    env: { PATH: process.env.PATH ?? '', JWT_SECRET: TEST_SECRET, DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, GATEHOUSE_DATA_DIR: dir, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const stderrLines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else stderrLines.push(line);
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('serving')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderrLines.join('\n')}`)));
  });
  return {
    child,
    stderrLines,
    nextStderr: () => (stderrLines.length ? Promise.resolve(stderrLines.shift()!) : new Promise((resolve) => waiting.push(resolve))),
  };
}

/** The nice value of every thread of a process, main thread first. */
function niceValues(pid: number): { main: number; others: number[] } {
  const nice = (tid: string) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
  const tids = readdirSync(`/proc/${pid}/task`);
  return { main: nice(String(pid)), others: tids.filter((tid) => tid !== String(pid)).map(nice) };
}

describe('the server process', { skip: !linux && 'Linux only' }, () => {
  // Two processes for the three checks (a server process costs about 0.7 s of CPU): one with
  // the defaults and two misspelt settings, one with GATEHOUSE_WORKER_NICE=0 and the bench hook.
  let plain: Started;
  let other: Started;
  before(async () => {
    [plain, other] = await Promise.all([
      start({ JWT_EXPIRATOIN_DELTA: '15m', GATEHOUSE_COLOUR: 'blue' }),
      start({ GATEHOUSE_WORKER_NICE: '0' }, ['--require', EVENT_LOOP_HOOK]),
    ]);
  });

  it('runs its worker threads at nice 10 and its event loop at 0; GATEHOUSE_WORKER_NICE=0 leaves them', async () => {
    const { main, others } = niceValues(plain.child.pid!);
    assert.equal(main, 0);
    assert.ok(others.length >= 4, 'the thread pool exists');
    assert.deepEqual([...new Set(others)], [10]);
    assert.deepEqual([...new Set(niceValues(other.child.pid!).others)], [0]);
  });

  it('warns about each variable that looks like a setting but is not, with the likely name, and still starts', async () => {
    assert.deepEqual([await plain.nextStderr(), await plain.nextStderr()], [
      'gatehouse: warning: GATEHOUSE_COLOUR is not a Gatehouse setting and is ignored',
      'gatehouse: warning: JWT_EXPIRATOIN_DELTA is not a Gatehouse setting and is ignored; did you mean JWT_EXPIRATION_DELTA?',
    ]);
  });

  it('with the bench hook preloaded, prints its event-loop delay on SIGUSR2', async () => {
    const server = other;
    server.child.kill('SIGUSR2');
    await server.nextStderr();
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGUSR2');
    const line = await server.nextStderr();
    assert.match(line, /^gatehouse-event-loop \{/);
    const report = JSON.parse(line.slice('gatehouse-event-loop '.length));
    assert.ok(report.samples > 0 && report.p50 >= 10 && report.p99 >= report.p50, line);
  });
});
