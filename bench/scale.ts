/**
 * Scenario 9 (`npm run bench -- --scale`): Gatehouse on a PostgreSQL database seeded with
 * 1M users, 3M devices and 10M refresh tokens (seed.ts), beside Gatehouse on an empty
 * PostgreSQL database, both servers running at once and measured in alternation (empty,
 * seeded, seeded, empty), so background load hits both alike:
 *
 * - rotation, login (`tokenAuth`, cost-4 hashes: the database's part, not bcrypt's) and `me`
 *   (a new token each request): req/s on the seeded database within 10 % of the empty one;
 * - `logoutOtherDevices` (ending two other devices) and `logout`, timed one by one: under 20 ms;
 * - `tokens clear` (the package's CLI, in its own process, default batch size) over the dead
 *   rows, while rotations go on: it finishes within 10 minutes, and the rotations' p99
 *   meanwhile is at most twice their p99 just before it;
 * - both servers' RSS through the run.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcrypt';
import { type BenchContext, benchUsers, FAST_ROUNDS, type GatehouseTarget, log, PASSWORD, startTarget } from './context';
import { type BenchDatabase, postgresAnswers, postgresDatabase, prepareDatabase } from './databases';
import { body, LOGOUT, LOGOUT_OTHERS, login, successData } from './graphql';
import { addMeasured, emptyMeasured, type Measured, quantile } from './load';
import { figures, type Row, verdict } from './report';
import { figureOnly, type Load, notRun, peakRssMb, phase, rotationLoad, rssRows } from './scenarios';
import { loginScript, mintedMeScript } from './scripts';
import { countRows, seedDatabase } from './seed';
import { BENCH_SECRET, ROOT } from './servers';
import { accessTokenMinter, secretKey, subjectOf } from './tokens';

export const SCALE_TARGETS = {
  /** Seeded req/s at least this share of the empty database's. */
  withinShare: 0.9,
  /** p90 of logout and logoutOtherDevices, milliseconds. */
  logoutMs: 20,
  clearMinutes: 10,
  /** Rotation p99 during `tokens clear` at most this many times the p99 just before. */
  clearP99: 2,
} as const;

/** Timed one by one: how many logouts (and logoutOtherDevices) per database. */
const LOGOUTS = 20;
/** Each logoutOtherDevices ends this many other devices. */
const OTHER_DEVICES = 2;


/** Measures `make(target)` on both targets: warm-up each, then empty, seeded, seeded, empty, … */
async function alternate(context: BenchContext, name: string, targets: [GatehouseTarget, GatehouseTarget], make: (target: GatehouseTarget) => Promise<Load>): Promise<[Measured, Measured]> {
  const { options } = context;
  const loads = [await make(targets[0]), await make(targets[1])];
  if (options.warmup > 0) for (const load of loads) await phase(load, options, options.warmup);
  const totals: [Measured, Measured] = [emptyMeasured(), emptyMeasured()];
  const rounds = 2;
  const seconds = Math.max(1, options.duration / rounds);
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      log(`scale: ${name} on the ${i === 0 ? 'empty' : 'seeded'} database (${seconds.toFixed(1)} s)`);
      addMeasured(totals[i], await phase(loads[i], options, seconds));
    }
  }
  return totals;
}

/** Two rows: the empty database's figures, and the seeded one's as a share of them. */
function comparedRows(scenario: string, targets: [GatehouseTarget, GatehouseTarget], totals: [Measured, Measured]): Row[] {
  const [e, s] = totals.map(figures);
  const share = (s.rps ?? 0) / (e.rps || NaN);
  return [
    { id: '9', scenario, database: 'pg empty', ...e, rssMb: peakRssMb(targets[0].server.rss, totals[0]), figure: `${(e.rps ?? 0).toFixed(0)}/s`, target: '', verdict: e.errors ? 'MISS' : 'n/a' },
    {
      id: '9', scenario, database: 'pg seeded', ...s, rssMb: peakRssMb(targets[1].server.rss, totals[1]),
      figure: `${share.toFixed(2)} x empty`, target: `>= ${SCALE_TARGETS.withinShare.toFixed(2)} x empty`, verdict: verdict(share >= SCALE_TARGETS.withinShare, s.errors),
    },
  ];
}

/** One GraphQL request with a bearer token, timed; throws unless it succeeds. */
async function timed(url: string, query: string, token: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body(query) });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!successData(response.status, text)) throw new Error(`${query} failed: ${text.slice(0, 300)}`);
  return ms;
}

/**
 * `logoutOtherDevices` (the user signed in `1 + OTHER_DEVICES` times: it ends the others)
 * and then `logout` (the last device), for `LOGOUTS` users, alternating the databases.
 */
async function logouts(targets: [GatehouseTarget, GatehouseTarget]): Promise<Array<{ others: number[]; logout: number[] }>> {
  const times = targets.map(() => ({ others: [] as number[], logout: [] as number[] }));
  for (let n = 0; n < LOGOUTS; n++) {
    for (const i of n % 2 === 0 ? [0, 1] : [1, 0]) {
      const url = targets[i].server.url;
      const user = `scale-lo-${n}`;
      for (let d = 0; d < OTHER_DEVICES; d++) await login(url, user, PASSWORD);
      const last = await login(url, user, PASSWORD);
      times[i].others.push(await timed(url, LOGOUT_OTHERS, last.token));
      times[i].logout.push(await timed(url, LOGOUT, last.token));
    }
  }
  return times;
}

function timingRows(scenario: string, samples: [number[], number[]]): Row[] {
  return samples.map((ms, i) => {
    const p90 = quantile(ms, 0.9);
    return {
      ...figureOnly('9', `${scenario}, one at a time (${ms.length})`, i === 0 ? 'pg empty' : 'pg seeded'),
      p50: quantile(ms, 0.5),
      p99: quantile(ms, 0.99),
      errors: 0,
      figure: `p90 ${p90.toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)}`,
      target: i === 1 ? `p90 < ${SCALE_TARGETS.logoutMs} ms` : '',
      verdict: i === 1 ? verdict(p90 < SCALE_TARGETS.logoutMs, 0) : 'n/a',
    };
  });
}

interface ClearRun {
  seconds: number;
  finished: boolean;
  lastLine: string;
}

/** The package's command (package.json `bin`), so a renamed bin is still found. */
function cliPath(): string {
  const bin = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: string | Record<string, string> }).bin;
  return join(ROOT, typeof bin === 'string' ? bin : Object.values(bin)[0]);
}

/** `tokens clear` of the package's command in its own process against `db`; stopped (SIGINT) after `limitS`. */
function startClear(db: BenchDatabase, limitS: number): { done: Promise<ClearRun> } {
  const started = performance.now();
  const child = spawn(process.execPath, [cliPath(), 'tokens', 'clear'], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', JWT_SECRET: BENCH_SECRET, DATABASE_URL: db.url, GATEHOUSE_DATA_DIR: db.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lastLine = '';
  const keep = (chunk: Buffer) => {
    const lines = chunk.toString('utf8').split('\n').filter(Boolean);
    if (lines.length) lastLine = lines[lines.length - 1];
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGINT'), limitS * 1000);
  const done = new Promise<ClearRun>((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ seconds: (performance.now() - started) / 1000, finished: code === 0, lastLine });
    });
  });
  return { done };
}

/** `tokens clear` on the empty database, then on the seeded one while rotations go on; rotation p99 just before, and during. */
async function clearRows(context: BenchContext, targets: [GatehouseTarget, GatehouseTarget]): Promise<Row[]> {
  const { options } = context;
  const limitS = SCALE_TARGETS.clearMinutes * 60 + 60;
  const rows: Row[] = [];
  log('scale: tokens clear on the empty database');
  const emptyRun = await startClear(targets[0].database, limitS).done;
  rows.push({ ...figureOnly('9', 'tokens clear (the CLI)', 'pg empty'), figure: `${emptyRun.seconds.toFixed(1)} s`, target: '', verdict: emptyRun.finished ? 'n/a' : 'MISS', note: emptyRun.lastLine });

  const seeded = targets[1];
  const load = rotationLoad(seeded, options.rotationConnections);
  log(`scale: rotation on the seeded database before tokens clear (${options.duration} s)`);
  const before = await phase(load, options, options.duration);
  const beforeCounts = await countRows(seeded.database.url);
  log(`scale: tokens clear on the seeded database (${beforeCounts.gatehouse_refresh_token} tokens, ${beforeCounts.gatehouse_device} devices), rotations going on`);
  const clear = startClear(seeded.database, limitS);
  let finished: ClearRun | undefined;
  void clear.done.then((run) => (finished = run));
  const during = emptyMeasured();
  while (!finished) addMeasured(during, await phase(load, options, 5));
  const afterCounts = await countRows(seeded.database.url);
  const run = finished;
  // What the command says it deleted (the table meanwhile also grows by the rotations).
  const deleted = Number(/Deleted (\d+) token/.exec(run.lastLine)?.[1] ?? NaN);
  rows.push({
    ...figureOnly('9', 'tokens clear (the CLI), rotations going on', 'pg seeded'),
    figure: `${run.seconds.toFixed(0)} s, ${(deleted / 1e6).toFixed(2)}M tokens`,
    target: `<= ${SCALE_TARGETS.clearMinutes} min`,
    verdict: verdict(run.finished && run.seconds <= SCALE_TARGETS.clearMinutes * 60, 0),
    note: `${run.lastLine} Rows before and after (rotations went on): tokens ${beforeCounts.gatehouse_refresh_token} -> ${afterCounts.gatehouse_refresh_token}, devices ${beforeCounts.gatehouse_device} -> ${afterCounts.gatehouse_device}`,
  });
  const b = figures(before);
  const d = figures(during);
  const ratio = (d.p99 ?? NaN) / (b.p99 ?? NaN);
  rows.push({
    id: '9', scenario: 'rotation before tokens clear', database: 'pg seeded', ...b, rssMb: peakRssMb(seeded.server.rss, before), figure: `p99 ${(b.p99 ?? NaN).toFixed(1)} ms`, target: '', verdict: b.errors ? 'MISS' : 'n/a',
  });
  rows.push({
    id: '9', scenario: 'rotation during tokens clear', database: 'pg seeded', ...d, rssMb: peakRssMb(seeded.server.rss, during),
    figure: `p99 ${ratio.toFixed(2)} x before`, target: `<= ${SCALE_TARGETS.clearP99} x before`,
    verdict: run.finished ? verdict(ratio <= SCALE_TARGETS.clearP99, d.errors) : 'MISS',
    ...(run.finished ? {} : { note: 'tokens clear did not finish: not a measurement of rotations beside it' }),
  });
  return rows;
}

export async function scaleScenario(context: BenchContext): Promise<Row[]> {
  const { options } = context;
  const size = options.scale;
  const title = `seeded PostgreSQL (${size.users} users, ${size.devices} devices, ${size.tokens} tokens)`;
  if (!options.postgres || !postgresAnswers()) return [notRun('9', title, 'postgresql', '', options.postgres ? 'PostgreSQL did not answer' : '--no-postgres')];
  const started = performance.now();
  const users = [...benchUsers(Math.max(options.connections, options.rotationConnections), 'scale'), ...benchUsers(LOGOUTS, 'scale-lo')];
  const loginUser = { username: 'scale-login', password: PASSWORD, rounds: FAST_ROUNDS };
  const databases: BenchDatabase[] = [];
  const targets: GatehouseTarget[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const db = await postgresDatabase();
      databases.push(db);
      await prepareDatabase(db.url, [...users, loginUser]);
    }
    log(`scale: seeding ${databases[1].url}: ${title}`);
    const seed = await seedDatabase(databases[1].url, size, await bcrypt.hash(PASSWORD, FAST_ROUNDS), log);
    const loadUsers = users.slice(0, Math.max(options.connections, options.rotationConnections));
    targets.push(await startTarget(options, databases[0], 'gatehouse-pg-empty', loadUsers, loginUser));
    targets.push(await startTarget(options, databases[1], 'gatehouse-pg-seeded', loadUsers, loginUser));
    const pair = targets as [GatehouseTarget, GatehouseTarget];
    const key = secretKey(BENCH_SECRET);
    const rows: Row[] = [];
    rows.push({
      ...figureOnly('9', 'seeding (generate_series, indexes rebuilt)', 'pg seeded'),
      figure: `${seed.seconds.toFixed(0)} s`, target: '', verdict: 'n/a',
      note: `${title}: ${seed.endedDevices} ended devices holding ${seed.deadTokens} dead tokens, ${seed.liveTokens} live and ${seed.rotatedTokens} rotated tokens; ${seed.steps.map(([n, s]) => `${n} ${s.toFixed(0)} s`).join(', ')}`,
    });
    rows.push(...comparedRows(`refreshToken rotation, ${options.rotationConnections} chains`, pair, await alternate(context, 'rotation', pair, async (t) => rotationLoad(t, options.rotationConnections))));
    rows.push(...comparedRows(`tokenAuth (cost ${FAST_ROUNDS})`, pair, await alternate(context, 'tokenAuth', pair, async (t) => ({
      name: 'tokenAuth', url: t.server.url, rss: t.server.rss, script: (i: number) => loginScript(t.users[i % t.users.length].username, PASSWORD),
    }))));
    rows.push(...comparedRows('me, new access token each request', pair, await alternate(context, 'me', pair, async (t) => {
      const minters = (await t.sessions(options.connections)).map((s) => accessTokenMinter(key, subjectOf(s.token)));
      return { name: 'me', url: t.server.url, rss: t.server.rss, script: (i: number) => mintedMeScript(minters[i]) };
    })));
    log(`scale: logoutOtherDevices and logout, ${LOGOUTS} of each per database`);
    const times = await logouts(pair);
    rows.push(...timingRows(`logoutOtherDevices (ends ${OTHER_DEVICES})`, [times[0].others, times[1].others]));
    rows.push(...timingRows('logout', [times[0].logout, times[1].logout]));
    rows.push(...(await clearRows(context, pair)));
    const seconds = (performance.now() - started) / 1000;
    rows.push(...(await rssRows(targets, seconds)).map((row, i) => ({ ...row, id: '9', database: i === 0 ? 'pg empty' : 'pg seeded' })));
    return rows;
  } finally {
    for (const target of targets) await target.server.stop();
    for (const db of databases) await db.drop();
  }
}
