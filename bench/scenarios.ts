/**
 * The scenarios of `npm run bench`, in one registry (`SCENARIOS`): each has the numbers
 * `--only` selects it by and a `run` that loads the servers it asks the context for and
 * returns table rows. A new scenario is one more entry (and its number in options.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pinned } from './affinity';
import { type BenchContext, type GatehouseTarget, log } from './context';
import { createScratchPostgres } from '../test/support/postgres';
import type { EventLoopReport } from './event-loop-report';
import { addMeasured, type ConnectionScript, emptyMeasured, type Measured, runPhase } from './load';
import type { BenchOptions } from './options';
import { preparePgbench, pgbenchAvailable, type PgbenchResult, runPgbench } from './pgbench';
import { figures, MB, type Row, verdict } from './report';
import { readCpuMs, type RssSampler } from './rss';
import { type Chain, helloScript, loginScript, mintedMeScript, mintedVerifyScript, rawBcryptScript, rotationScript, typenameScript } from './scripts';
import { BENCH_SECRET } from './servers';
import { accessTokenMinter, secretKey, subjectOf } from './tokens';
import { ME, request } from './graphql';
import { scaleScenario } from './scale';

/** The targets of issue 14 ("What it must show"), and of issue 8 for login and RSS growth. */
export const TARGETS = {
  /** `{ __typename }`, `me` and `verifyToken` of never-seen tokens, as a share of the bare Apollo Server (server CPU per request). */
  typename: 0.85,
  me: 0.8,
  verify: 0.7,
  sqliteRotationsPerSecond: 2000,
  /** PostgreSQL rotations per second as a share of pgbench simple-update's tps. */
  postgresRotationShare: 0.5,
  login: 0.95,
  eventLoop: 2,
  rssMb: 150,
  /** "Flat": the late RSS is at most this much above the early RSS. */
  rssGrowth: 0.1,
} as const;

/** One entry of the registry. */
export interface Scenario {
  /** The scenario numbers `--only` selects it by (one entry may make several rows). */
  ids: number[];
  title: string;
  run(context: BenchContext): Promise<Row[]>;
}

export interface Load {
  name: string;
  url: string;
  rss: RssSampler;
  script(index: number): ConnectionScript;
  /** Connections (default `options.connections`). */
  connections?: number;
  /** Runs before every phase of this load, unmeasured (new refresh-token chains, say). */
  before?: () => Promise<void>;
  /** Wait after each phase until abandoned in-flight requests are done (slow requests like bcrypt). */
  settle?: boolean;
  timeout?: number;
}

export function peakRssMb(rss: RssSampler, measured: Measured): number {
  return Math.max(0, ...measured.windows.map(([from, to]) => rss.peakBetween(from, to))) / MB;
}

async function runLoad(load: Load, options: BenchOptions, seconds: number): Promise<Measured> {
  await load.before?.();
  return runPhase({ url: load.url, connections: load.connections ?? options.connections, seconds, connection: load.script, timeout: load.timeout, serverPid: load.rss.pid });
}

/**
 * The requests cut off at the end of a phase still run on the server: wait until it is
 * idle again (less than 10% of a core over 200 ms, at most 15 s) before the next phase.
 */
async function settle(load: Load): Promise<void> {
  if (!load.settle) return;
  const until = Date.now() + 15_000;
  let before = readCpuMs(load.rss.pid);
  while (before !== null && Date.now() < until) {
    await sleep(200);
    const now = readCpuMs(load.rss.pid);
    if (now === null || now - before < 20) return;
    before = now;
  }
}

export async function phase(load: Load, options: BenchOptions, seconds: number): Promise<Measured> {
  const measured = await runLoad(load, options, seconds);
  await settle(load);
  return measured;
}

/**
 * Runs loads in interleaved rounds (A B C, C B A, A B C, …), `options.duration` seconds of
 * measured load each in total, after `options.warmup` seconds of each; `around` wraps
 * every measured phase (for event-loop windows), before the phase's requests settle.
 */
export async function interleaved(
  loads: Load[],
  options: BenchOptions,
  around?: (load: Load, run: () => Promise<Measured>) => Promise<Measured>,
  rounds = options.rounds,
): Promise<Measured[]> {
  if (options.warmup > 0) {
    for (const load of loads) {
      log(`warm-up: ${load.name}`);
      await phase(load, options, options.warmup);
    }
  }
  const totals = loads.map(() => emptyMeasured());
  const seconds = Math.max(1, options.duration / rounds);
  for (let round = 0; round < rounds; round++) {
    const order = loads.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      log(`round ${round + 1}/${rounds}: ${loads[i].name} (${seconds.toFixed(1)} s)`);
      const run = () => runLoad(loads[i], options, seconds);
      const measured = around ? await around(loads[i], run) : await run();
      await settle(loads[i]);
      addMeasured(totals[i], measured);
    }
  }
  return totals;
}

/** Baseline CPU per request / this CPU per request: how many of these the server's CPU serves per baseline request's worth. */
function cpuShare(baseline: number | null, cpu: number | null): number {
  return baseline && cpu ? baseline / cpu : NaN;
}

/** The start of a row that reports one figure rather than a load (7 and 8): no request columns. */
export function figureOnly(id: string, scenario: string, database: string) {
  return { id, scenario, database, rps: null, p50: null, p99: null, errors: null, cpuUs: null, rssMb: null };
}

/** A row for a scenario that could not run. */
export function notRun(id: string, scenario: string, database: string, target: string, why: string): Row {
  return { ...figureOnly(id, scenario, database), figure: 'not run', target, verdict: 'n/a', note: why };
}

/**
 * Sends one minted token before any load: a token the server refuses stops the bench with
 * the server's answer (see tokens.ts for what made earlier bench tokens refused).
 */
async function checkMinted(url: string, mint: () => string): Promise<void> {
  try {
    await request(url, ME, {}, { authorization: `Bearer ${mint()}` });
  } catch (error) {
    throw new Error(`the server refuses the bench's own access tokens (same JWT_SECRET?): ${(error as Error).message}`);
  }
}

/**
 * 0-3: the bare Apollo Server's `{ hello }` (0, the baseline), and on Gatehouse (SQLite)
 * `{ __typename }` without a token (1), `me` with a new access token on every request (2)
 * and `verifyToken` of a new token on every request (3), interleaved; with 2 and 3 their
 * floors (2a, 3a, `floor-apollo.ts`): the bare server's `me` and `verifyToken` verifying
 * each new token with Gatehouse's `verifyAccessToken`. The servers run on CPU 1 and the
 * load generator (which also signs the tokens) on CPU 0.
 */
async function requestScenarios(context: BenchContext): Promise<Row[]> {
  const { options } = context;
  const bare = await context.bare();
  const withFloor = options.only.has(2) || options.only.has(3);
  const floor = withFloor ? await context.floor() : null;
  const target = (await context.gatehouse('sqlite'))!;
  const server = target.server;
  const key = secretKey(BENCH_SECRET);
  const subjects = (await target.sessions(options.connections)).map((s) => subjectOf(s.token));
  const minters = subjects.map((subject) => accessTokenMinter(key, subject));
  await checkMinted(server.url, minters[0]);
  if (floor) await checkMinted(floor.url, minters[0]);
  const all: Array<{ id: string; name: string; load: Load; target?: number; database: string; floor?: string }> = [
    { id: '0', name: 'bare Apollo Server 5, { hello }', database: '-', load: { name: 'bare Apollo { hello }', url: bare.url, rss: bare.rss, script: () => helloScript() } },
    { id: '1', name: '{ __typename }, no token', database: 'sqlite', load: { name: '{ __typename }', url: server.url, rss: server.rss, script: () => typenameScript() }, target: TARGETS.typename },
    ...(floor ? [{ id: '2a', name: 'floor of 2: 0 + me verifying each token', database: '-', load: { name: 'bare Apollo me, verifying each new token', url: floor.url, rss: floor.rss, script: (i: number) => mintedMeScript(minters[i]) }, floor: "a `me` that verifies each request's new bearer token and answers a fixed user" }] : []),
    { id: '2', name: 'me (@auth), new access token each request', database: 'sqlite', load: { name: 'me, new token each request', url: server.url, rss: server.rss, script: (i: number) => mintedMeScript(minters[i]) }, target: TARGETS.me },
    ...(floor ? [{ id: '3a', name: 'floor of 3: 0 + verifyToken', database: '-', load: { name: 'bare Apollo verifyToken, each token new', url: floor.url, rss: floor.rss, script: (i: number) => mintedVerifyScript(minters[i]) }, floor: '`verifyToken(token:)` verifying its argument and answering the payload' }] : []),
    { id: '3', name: 'verifyToken, new token each request', database: 'sqlite', load: { name: 'verifyToken, new token each request', url: server.url, rss: server.rss, script: (i: number) => mintedVerifyScript(minters[i]) }, target: TARGETS.verify },
  ];
  // The baseline runs whenever one of its ratios does; a floor (2a, 3a) with its scenario.
  const chosen = all.filter((s) => s.id === '0' || options.only.has(Number.parseInt(s.id, 10)));
  const measure = () => interleaved(chosen.map((s) => s.load), options);
  const pids = [bare.child.pid, ...(floor ? [floor.child.pid] : []), server.child.pid];
  const { result: totals, pinned: wasPinned } = options.pin ? await pinned(pids, measure) : { result: await measure(), pinned: false };
  const base = figures(totals[0]);
  const soak = chosen.flatMap((s, i) => (s.load.url === server.url ? totals[i].windows : []));
  const rows = chosen.map((s, i): Row => {
    const f = figures(totals[i]);
    const rssMb = peakRssMb(s.load.rss, totals[i]);
    if (s.id === '0') {
      return {
        id: '0', scenario: s.name, database: '-', ...f, rssMb, figure: '1.00 (baseline)', target: '', verdict: f.errors ? 'MISS' : 'n/a',
        note: [f.errors ? 'errors in the baseline' : '', wasPinned ? 'servers of 0-3 pinned to CPU 1, load generator (and token signing) to CPU 0 (taskset)' : 'not pinned to CPUs'].filter(Boolean).join('; '),
      };
    }
    const share = cpuShare(base.cpuUs, f.cpuUs);
    const rpsShare = base.rps ? (f.rps ?? 0) / base.rps : NaN;
    const figure = `${share.toFixed(2)} x 0 (req/s ${rpsShare.toFixed(2)})`;
    if (s.floor !== undefined) {
      return {
        id: s.id, scenario: s.name, database: s.database, ...f, rssMb, figure, target: '', verdict: f.errors ? 'MISS' : 'n/a',
        note: `${f.errors ? 'errors in the floor; ' : ''}the bare Apollo Server of 0 plus ${s.floor}, with Gatehouse's verifyAccessToken (HS256 on node:crypto); no session check, database, cache, log or plugin (bench/floor-apollo.ts): the least an Apollo server pays to verify each never-seen token this way, so ${s.id[0]} can reach no higher share`,
      };
    }
    return {
      id: s.id, scenario: s.name, database: s.database, ...f, rssMb,
      figure,
      target: `>= ${s.target!.toFixed(2)} x 0`,
      verdict: verdict(share >= s.target!, f.errors),
    };
  });
  if (options.only.has(8) && soak.length > 0) {
    const memory = (await server.eventLoop().catch(() => null))?.memory;
    rows.push({
      ...soakGrowthRow(server.rss, soak),
      ...(memory ? { note: `after the soak: JS heap ${memory.heapUsed} MB used of ${memory.heapTotal} MB, external ${memory.external} MB, RSS ${memory.rss} MB` } : {}),
    });
  }
  return rows;
}

/**
 * 8, growth: over the Gatehouse phases of 0-3 (steady load), the peak RSS of the last
 * quarter against the first: no more than +10 %.
 */
function soakGrowthRow(rss: RssSampler, windows: Array<[number, number]>): Row {
  const from = Math.min(...windows.map((w) => w[0]));
  const to = Math.max(...windows.map((w) => w[1]));
  const quarter = (to - from) / 4;
  const early = rss.peakBetween(from, from + quarter) / MB;
  const late = rss.peakBetween(to - quarter, to) / MB;
  const growth = early > 0 ? late / early - 1 : NaN;
  return {
    ...figureOnly('8', `server RSS growth over the ${((to - from) / 1000).toFixed(0)} s soak of 1-3`, 'sqlite'),
    rssMb: Math.max(early, late),
    figure: `${early.toFixed(0)} -> ${late.toFixed(0)} MB`,
    target: `late <= early +${TARGETS.rssGrowth * 100}%`,
    verdict: verdict(growth <= TARGETS.rssGrowth, 0),
  };
}

/**
 * Rotation, each connection following its own chain, on new chains (new sessions) for
 * every phase: the requests in flight when a phase ends are answered to nobody, so the
 * chain's next token is lost; presenting the old one again after the reuse interval
 * (`JWT_REFRESH_REUSE_INTERVAL`, 10 s) is reuse, and ends the session.
 */
export function rotationLoad(target: GatehouseTarget, connections: number, name = `refreshToken rotation (${target.kind})`): Load {
  const chains: Chain[] = [];
  return {
    name,
    url: target.server.url,
    rss: target.server.rss,
    script: (i) => rotationScript(chains[i]),
    connections,
    async before() {
      const sessions = await target.sessions(connections);
      chains.splice(0, chains.length, ...sessions.map((s) => ({ refreshToken: s.refreshToken, rotations: 0 })));
    },
  };
}

/** 4: rotation on SQLite, each connection following its own chain; server on CPU 1, load generator on CPU 0. */
async function sqliteRotation(context: BenchContext): Promise<Row[]> {
  const { options } = context;
  const target = (await context.gatehouse('sqlite'))!;
  const load = rotationLoad(target, options.rotationConnections);
  const measure = async () => {
    if (options.warmup > 0) await phase(load, options, options.warmup);
    log(`${load.name} (${options.duration} s)`);
    return phase(load, options, options.duration);
  };
  const { result: measured, pinned: wasPinned } = options.pin ? await pinned(target.server.child.pid, measure) : { result: await measure(), pinned: false };
  const f = figures(measured);
  return [{
    id: '4', scenario: `refreshToken rotation, ${options.rotationConnections} chains`, database: 'sqlite', ...f, rssMb: peakRssMb(target.server.rss, measured),
    figure: `${(f.rps ?? 0).toFixed(0)}/s`, target: `>= ${TARGETS.sqliteRotationsPerSecond}/s`, verdict: verdict((f.rps ?? 0) >= TARGETS.sqliteRotationsPerSecond, f.errors),
    ...(wasPinned ? { note: 'server on CPU 1, load generator on CPU 0' } : {}),
  }];
}

/**
 * 5 and 5a: rotation on PostgreSQL against pgbench's simple-update on a scratch database
 * of the same PostgreSQL, same number of clients, interleaved (pgbench, rotation, rotation,
 * pgbench, …). Not pinned: PostgreSQL's backends need both cores, for pgbench as for
 * Gatehouse.
 */
async function postgresRotation(context: BenchContext): Promise<Row[]> {
  const { options } = context;
  const name = `refreshToken rotation, ${options.rotationConnections} chains`;
  const target = await context.gatehouse('postgresql');
  if (!target) return [notRun('5', name, 'postgresql', `>= ${TARGETS.postgresRotationShare} x 5a`, options.postgres ? 'PostgreSQL did not answer' : '--no-postgres')];
  const withPgbench = pgbenchAvailable();
  const scratch = withPgbench ? await createScratchPostgres() : null;
  try {
    if (scratch) {
      log(`pgbench -i on ${scratch.url}`);
      await preparePgbench(scratch.url);
    }
    const load = rotationLoad(target, options.rotationConnections);
    if (options.warmup > 0) {
      log(`warm-up: ${load.name}`);
      await phase(load, options, options.warmup);
      if (scratch) await runPgbench(scratch.url, options.warmup, options.rotationConnections);
    }
    const rounds = Math.max(1, Math.round(options.rounds / 3));
    const seconds = Math.max(1, Math.round(options.duration / rounds));
    const total = emptyMeasured();
    const pg: PgbenchResult[] = [];
    for (let round = 0; round < rounds; round++) {
      const steps = [
        async () => {
          if (!scratch) return;
          log(`round ${round + 1}/${rounds}: pgbench -N -c ${options.rotationConnections} -j 2 -T ${seconds}`);
          pg.push(await runPgbench(scratch.url, seconds, options.rotationConnections));
        },
        async () => {
          log(`round ${round + 1}/${rounds}: ${load.name} (${seconds} s)`);
          addMeasured(total, await phase(load, options, seconds));
        },
      ];
      if (round % 2 === 1) steps.reverse();
      for (const step of steps) await step();
    }
    const f = figures(total);
    const tps = pg.length ? pg.reduce((sum, r) => sum + r.transactions, 0) / pg.reduce((sum, r) => sum + r.seconds, 0) : NaN;
    const share = (f.rps ?? 0) / tps;
    const rows: Row[] = [];
    rows.push(pg.length
      ? { ...figureOnly('5a', `pgbench simple-update (-N), ${options.rotationConnections} clients`, 'postgresql'), rps: tps, p50: null, figure: `${tps.toFixed(0)} tps`, target: '', verdict: 'n/a', note: `mean latency ${(pg.reduce((s, r) => s + r.latencyMs, 0) / pg.length).toFixed(1)} ms; pgbench -i scale 1 on a scratch database of the same PostgreSQL` }
      : notRun('5a', 'pgbench simple-update (-N)', 'postgresql', '', 'pgbench is not on the PATH'));
    rows.push({
      id: '5', scenario: name, database: 'postgresql', ...f, rssMb: peakRssMb(target.server.rss, total),
      figure: pg.length ? `${(f.rps ?? 0).toFixed(0)}/s = ${share.toFixed(2)} x 5a` : `${(f.rps ?? 0).toFixed(0)}/s`,
      target: `>= ${TARGETS.postgresRotationShare.toFixed(2)} x 5a`,
      verdict: pg.length ? verdict(share >= TARGETS.postgresRotationShare, f.errors) : 'n/a',
      note: 'not pinned (PostgreSQL uses both cores, as for pgbench)',
    });
    return rows;
  } finally {
    await scratch?.drop();
  }
}

/**
 * 6 and 7: `tokenAuth` against a raw `bcrypt.compare` server at the same cost, interleaved;
 * the Gatehouse server's event-loop delay p99 while it serves `tokenAuth`, against idle.
 */
async function loginScenarios(context: BenchContext): Promise<Row[]> {
  const { options } = context;
  const target = (await context.gatehouse('sqlite'))!;
  const server = target.server;
  const raw = await context.bcrypt();
  const user = target.loginUser;
  const rawLoad: Load = { name: `raw bcrypt.compare (cost ${options.bcryptRounds})`, url: raw.url, rss: raw.rss, script: () => rawBcryptScript(user.password), settle: true, timeout: 60 };
  const loginLoad: Load = { name: 'tokenAuth', url: server.url, rss: server.rss, script: () => loginScript(user.username, user.password), settle: true, timeout: 60 };
  const idle: EventLoopReport[] = [];
  const underLoad: EventLoopReport[] = [];
  const rounds = Math.max(1, Math.round(options.rounds / 3));
  const idleSeconds = Math.max(1, options.idle / rounds);
  const [rawTotal, loginTotal] = await interleaved([rawLoad, loginLoad], options, async (load, run) => {
    if (load !== loginLoad || !options.only.has(7)) return run();
    // An idle window right before each loaded one, so both see the same background load.
    log(`idle event loop (${idleSeconds.toFixed(1)} s)`);
    await server.eventLoop();
    await sleep(idleSeconds * 1000);
    idle.push(await server.eventLoop());
    const measured = await run();
    underLoad.push(await server.eventLoop());
    return measured;
  }, rounds);
  const rawFigures = figures(rawTotal);
  const loginFigures = figures(loginTotal);
  const ratio = (loginFigures.rps ?? 0) / (rawFigures.rps || NaN);
  const rows: Row[] = [];
  rows.push({ id: '6a', scenario: `raw bcrypt.compare server (cost ${options.bcryptRounds})`, database: '-', ...rawFigures, rssMb: peakRssMb(raw.rss, rawTotal), figure: '1.00 (baseline)', target: '', verdict: rawFigures.errors ? 'MISS' : 'n/a' });
  rows.push({
    id: '6', scenario: `tokenAuth (cost ${options.bcryptRounds})`, database: 'sqlite', ...loginFigures, rssMb: peakRssMb(server.rss, loginTotal),
    figure: `${ratio.toFixed(3)} x 6a (CPU ${cpuShare(rawFigures.cpuUs, loginFigures.cpuUs).toFixed(2)})`,
    target: `>= ${TARGETS.login.toFixed(2)} x 6a`, verdict: verdict(ratio >= TARGETS.login, loginFigures.errors),
  });
  if (options.only.has(7) && idle.length > 0 && underLoad.length > 0) {
    const loaded = Math.max(...underLoad.map((r) => r.p99));
    const quiet = Math.max(...idle.map((r) => r.p99));
    const eld = loaded / quiet;
    rows.push({
      ...figureOnly('7', 'event-loop delay p99 during 6 vs idle', 'sqlite'),
      figure: `${loaded.toFixed(1)} / ${quiet.toFixed(1)} ms = ${eld.toFixed(2)}`,
      target: `<= ${TARGETS.eventLoop} x idle`, verdict: verdict(eld <= TARGETS.eventLoop, 0),
      note: `monitorEventLoopDelay at 10 ms resolution (an idle loop reads about 10 ms); worst p99 of the ${underLoad.length} tokenAuth phases against the worst of the idle windows just before them`,
    });
  }
  return rows;
}

/**
 * 8: every Gatehouse server's RSS through the whole run (sampled every 200 ms, and the
 * kernel's high-water mark): at most 150 MB. (Flatness is judged over the steady soak of
 * 0-3, `soakGrowthRow`; a whole life starts with the JIT and the caches filling.)
 */
export async function rssRows(targets: GatehouseTarget[], runSeconds: number): Promise<Row[]> {
  const memory = await Promise.all(targets.map((target) => target.server.eventLoop().then((r) => r.memory, () => undefined)));
  return targets.map((target, i) => {
    const m = memory[i];
    const samples = target.server.rss.samples;
    const from = samples[0]?.at ?? 0;
    const to = samples[samples.length - 1]?.at ?? 0;
    const quarter = (to - from) / 4;
    const early = target.server.rss.peakBetween(from, from + quarter) / MB;
    const late = target.server.rss.peakBetween(to - quarter, to) / MB;
    const peak = Math.max(target.server.rss.highWaterMark, target.server.rss.peakBetween(from, to)) / MB;
    const growth = early > 0 ? late / early - 1 : NaN;
    return {
      ...figureOnly('8', `server RSS through the run (${((to - from) / 1000).toFixed(0)} of ${runSeconds.toFixed(0)} s)`, target.kind),
      rssMb: peak,
      figure: `peak ${peak.toFixed(0)} MB`,
      target: `<= ${TARGETS.rssMb} MB`,
      verdict: verdict(peak <= TARGETS.rssMb, 0),
      note: `first quarter of its life ${early.toFixed(0)} MB, last ${late.toFixed(0)} MB (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)} %)` +
        (m ? `; at the end RSS ${m.rss} MB: JS heap ${m.heapUsed} MB used of ${m.heapTotal} MB, external ${m.external} MB (array buffers ${m.arrayBuffers} MB)` : '') +
        `; ${(target.server.logBytes() / MB).toFixed(0)} MB of log written to ${target.server.logFile}`,
    };
  });
}

/** Every scenario, in the order they run (8 is made by main.ts from the whole run). */
export const SCENARIOS: Scenario[] = [
  { ids: [0, 1, 2, 3], title: 'requests against a bare Apollo Server', run: requestScenarios },
  { ids: [4], title: 'rotation on SQLite', run: sqliteRotation },
  { ids: [5], title: 'rotation on PostgreSQL against pgbench', run: postgresRotation },
  { ids: [6, 7], title: 'tokenAuth against raw bcrypt; event-loop delay', run: loginScenarios },
  { ids: [9], title: 'a seeded PostgreSQL database against an empty one (--scale)', run: (context) => scaleScenario(context) },
];
