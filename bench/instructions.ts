#!/usr/bin/env node
/**
 * Instructions per request, counted by valgrind's callgrind: a figure that does not follow
 * the machine's load or speed (the time-based `npm run bench` swung by 2× within minutes on
 * 2026-12-03), though it still varies by about ±10 % from run to run (when the JIT compiles
 * what, when GCs land: the bare server counted 332k, 365k and 401k in three runs, Gatehouse's
 * `me` 502k–525k). User-space instructions only, so the system calls that both
 * servers share (socket reads and writes) are left out: it shows what the code costs on a
 * machine where those are cheap. Not a replacement for `npm run bench`'s CPU time, which
 * is what the targets are measured in.
 *
 * Each server runs under `valgrind --tool=callgrind --instr-atstart=no` with npm start's node
 * options (`startNodeOptions`), takes WARMUP requests uninstrumented (the JIT settles),
 * then counts `--requests` requests (default 1,000; `callgrind_control -i on/off`), four at a time
 * (`load`). Scenarios: the bare Apollo Server's `{ hello }`, Gatehouse's
 * `{ __typename }`, `me` and `verifyToken` with a token minted for each request (never seen
 * by the server), and `rotate`: `refreshToken` rotations on SQLite, four device sessions rotated
 * in turn (the store's statement included; its file writes are system calls, not counted).
 * The ratio is bare / scenario, as in `npm run bench`. With `--keep DIR`, each server's
 * callgrind file is kept as DIR/callgrind-SCENARIO.out (read it with `callgrind_annotate`, e.g.
 * `--tree=caller`; JIT-compiled JavaScript shows as bare addresses, V8, OpenSSL, libuv by name).
 *
 * @example
 * npm run bench:instructions                                 # all five, about 6 minutes
 * node dist/bench/instructions.js --only me --requests 500
 * node dist/bench/instructions.js --only rotate --keep /tmp/callgrind
 * node dist/bench/instructions.js --node-options " "           # node's defaults instead of npm start's
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { benchUsers } from './context';
import { prepareDatabase, sqliteDatabase } from './databases';
import { send } from '../test/support/http';
import { body, HELLO, login, ME, ROTATE, successData, TYPENAME, VERIFY } from './graphql';
import { BENCH_SECRET, ROOT, startNodeOptions } from './servers';
import { accessTokenMinter, subjectOf } from './tokens';

type Scenario = 'bare' | 'typename' | 'me' | 'verify' | 'rotate';
const SCENARIOS: readonly Scenario[] = ['bare', 'typename', 'me', 'verify', 'rotate'];
const WARMUP = 3000;

/**
 * One request of a scenario, for worker `worker` (0-3): its document, variables and headers,
 * and what to do with its answer's data (a rotation keeps the worker's new refresh token).
 */
type Next = (worker: number) => [string, Record<string, unknown> | undefined, Record<string, string>, ((data: Record<string, any>) => void)?];

/**
 * Sends `count` requests, four at a time over keep-alive connections, any answer but a
 * successful one stopping the run. Through test/support/http.ts's `send` (node:http, only
 * the headers given), not `fetch`: the server's count depends on what it is sent, and fetch's
 * own headers (accept, accept-language, accept-encoding, sec-fetch-mode, user-agent) made
 * both servers count about 250k instructions more a request (one run of 300 requests). autocannon, in `npm run
 * bench`, sends only the headers given too.
 */
async function load(url: string, count: number, next: Next): Promise<void> {
  let sent = 0;
  const worker = async (index: number) => {
    while (sent < count) {
      sent++;
      const [query, variables, headers, answered] = next(index);
      const answer = await send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body(query, variables) });
      const data = successData(answer.status, answer.text);
      if (!data) throw new Error(`HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
      answered?.(data);
    }
  };
  await Promise.all([worker(0), worker(1), worker(2), worker(3)]);
}

async function measure(scenario: Scenario, requests: number, nodeOptions: string[], keep: string | null): Promise<number> {
  const db = sqliteDatabase();
  const out = join(db.dataDir, 'callgrind.out');
  // USER and LOGNAME name valgrind's control pipe: the same for valgrind and callgrind_control.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? db.dataDir, USER: process.env.USER ?? 'bench', LOGNAME: process.env.LOGNAME ?? process.env.USER ?? 'bench',
    NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', JWT_SECRET: BENCH_SECRET, DATABASE_URL: db.url, GATEHOUSE_DATA_DIR: db.dataDir,
  };
  const [user] = benchUsers(1);
  try {
    if (scenario !== 'bare') await prepareDatabase(db.url, [user]);
    const script = join(ROOT, scenario === 'bare' ? 'dist/bench/bare-apollo.js' : 'dist/src/server/main.js');
    const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${out}`, process.execPath, ...nodeOptions, script], {
      env, stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let printed = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        const match = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(printed);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`${scenario}: the server exited (${code}) before listening: ${printed}`)));
    });
    let next: Next;
    if (scenario === 'bare') next = () => [HELLO, undefined, {}];
    else if (scenario === 'typename') next = () => [TYPENAME, undefined, {}];
    else if (scenario === 'rotate') {
      // Four device sessions of the one user, one per worker, each rotated in turn (as bench 4).
      const chains = await Promise.all([0, 1, 2, 3].map(async () => (await login(url, user.username, user.password)).refreshToken));
      next = (worker) => [ROTATE, { refreshToken: chains[worker] }, {}, (data) => void (chains[worker] = data.refreshToken.refreshToken as string)];
    } else {
      const mint = accessTokenMinter(BENCH_SECRET, subjectOf((await login(url, user.username, user.password)).token));
      // Minted before the count starts: signing is the client's work, not the server's.
      const tokens = Array.from({ length: WARMUP + requests }, mint);
      let i = 0;
      next = scenario === 'me' ? () => [ME, undefined, { authorization: `Bearer ${tokens[i++]}` }] : () => [VERIFY, { token: tokens[i++] }, {}];
    }
    await load(url, WARMUP, next);
    execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { env, stdio: 'ignore' });
    await load(url, requests, next);
    execFileSync('callgrind_control', ['-i', 'off', String(child.pid)], { env, stdio: 'ignore' });
    child.kill('SIGTERM');
    await exited;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(out, join(keep, `callgrind-${scenario}.out`));
    }
    const annotated = spawnSync('callgrind_annotate', [out], { encoding: 'utf8' }).stdout;
    const total = /([\d,]+)(?: \(100\.0%\))?\s+PROGRAM TOTALS/.exec(annotated);
    if (!total) throw new Error(`${scenario}: no totals in ${out}`);
    return Number(total[1].replace(/,/g, '')) / requests;
  } finally {
    await db.drop();
  }
}

async function main(argv: string[]): Promise<void> {
  let only: Scenario[] = [...SCENARIOS];
  let requests = 1000;
  let nodeOptions = startNodeOptions();
  let keep: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') only = argv[++i].split(',') as Scenario[];
    else if (argv[i] === '--requests') requests = Number(argv[++i]);
    else if (argv[i] === '--node-options') nodeOptions = argv[++i].split(' ').filter(Boolean);
    else if (argv[i] === '--keep') keep = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}; see the comment at the top of bench/instructions.ts`);
  }
  if (!only.includes('bare')) only.unshift('bare');
  console.log(`instructions per request (callgrind), ${requests} requests after ${WARMUP}, node options: ${nodeOptions.join(' ') || '(none)'}`);
  // One at a time: callgrind counts do not depend on load, but two servers under valgrind at once make each slower.
  const figures = new Map<Scenario, number>();
  for (const scenario of only) {
    figures.set(scenario, await measure(scenario, requests, nodeOptions, keep));
    const bare = figures.get('bare')!;
    const own = figures.get(scenario)!;
    console.log(`${scenario.padEnd(9)} ${Math.round(own).toLocaleString('en-US').padStart(9)}${scenario === 'bare' ? '' : `   ${(bare / own).toFixed(2)} x bare`}`);
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
