/** The scenarios of `npm run bench`: each loads a running server and returns table rows. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventLoopReport } from './event-loop-report';
import type { Session } from './graphql';
import { addMeasured, emptyMeasured, type Measured, runPhase } from './load';
import type { BenchOptions } from './options';
import { pinned } from './affinity';
import { figures, MB, type Row, verdict } from './report';
import { type Chain, loginScript, meScript, rawBcryptScript, rotationScript, typenameScript, verifyScript } from './scripts';
import type { ConnectionScript } from './load';
import type { GatehouseServer } from './servers';
import { readCpuMs, type RssSampler } from './rss';

export const TARGETS = {
  token: 0.98,
  verify: 0.9,
  me: 0.8,
  rotationsPerSecond: 1000,
  login: 0.95,
  eventLoop: 2,
  rssMb: 200,
  /** "Flat": the late RSS is at most this much above the early RSS. */
  rssGrowth: 0.1,
} as const;

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

interface Load {
  name: string;
  url: string;
  rss: RssSampler;
  script(index: number): ConnectionScript;
  /** Wait after each phase until abandoned in-flight requests are done (slow requests like bcrypt). */
  settle?: boolean;
  timeout?: number;
}

function peakRssMb(rss: RssSampler, measured: Measured): number {
  return Math.max(...measured.windows.map(([from, to]) => rss.peakBetween(from, to))) / MB;
}

function runLoad(load: Load, options: BenchOptions, seconds: number): Promise<Measured> {
  return runPhase({ url: load.url, connections: options.connections, seconds, connection: load.script, timeout: load.timeout, serverPid: load.rss.pid });
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

async function phase(load: Load, options: BenchOptions, seconds: number): Promise<Measured> {
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

/** Scenarios 1–4 (and the RSS soak, 8) on one server, interleaved. */
export async function requestScenarios(server: GatehouseServer, sessions: Session[], options: BenchOptions, database: string): Promise<Row[]> {
  const chosen = [
    { id: 1, name: '{ __typename }, no token', script: () => typenameScript() },
    { id: 2, name: '{ __typename }, bearer token', script: (i: number) => typenameScript(sessions[i].token) },
    { id: 3, name: 'verifyToken', script: (i: number) => verifyScript(sessions[i].token) },
    { id: 4, name: 'me (@auth, session check)', script: (i: number) => meScript(sessions[i].token) },
  ].filter((s) => options.only.has(s.id) || (s.id === 1 && [2, 3, 4].some((n) => options.only.has(n))));
  if (chosen.length === 0) return [];
  const soakStart = performance.now();
  const loads = chosen.map((s) => ({ name: s.name, url: server.url, rss: server.rss, script: s.script }));
  const measure = () => interleaved(loads, options);
  const { result: totals, pinned: wasPinned } = options.pin ? await pinned(server.child.pid, measure) : { result: await measure(), pinned: false };
  log(wasPinned ? 'scenarios 1-4 ran with the server on CPU 1 and the load generator on CPU 0' : 'scenarios 1-4 ran unpinned');
  const soakEnd = performance.now();
  const baseline = figures(totals[0]).rps ?? 0;
  const baselineCpu = figures(totals[0]).cpuUs;
  const targets: Record<number, number> = { 2: TARGETS.token, 3: TARGETS.verify, 4: TARGETS.me };
  const rows: Row[] = chosen.map((s, i) => {
    const f = figures(totals[i]);
    const ratio = baseline > 0 ? (f.rps ?? 0) / baseline : NaN;
    const target = targets[s.id];
    return {
      id: String(s.id),
      scenario: s.name,
      database,
      ...f,
      rssMb: peakRssMb(server.rss, totals[i]),
      figure: s.id === 1 ? '1.00 (baseline)' : `${ratio.toFixed(3)} x 1 (CPU ${cpuRatio(baselineCpu, f.cpuUs)})`,
      target: target ? `>= ${target.toFixed(2)} x 1` : '',
      verdict: target ? verdict(ratio >= target, f.errors) : f.errors ? 'MISS' : 'n/a',
      ...(s.id === 1 ? { note: [f.errors ? 'errors in the baseline' : '', wasPinned ? 'server pinned to CPU 1, load generator to CPU 0 (taskset)' : 'not pinned to CPUs'].filter(Boolean).join('; ') } : {}),
    };
  });
  if (options.only.has(8)) rows.push(rssRow(server.rss, soakStart, soakEnd, database));
  return rows;
}

/** How many of this request the server's CPU time would serve per baseline request's worth: baseline CPU / this CPU. */
function cpuRatio(baseline: number | null, cpu: number | null): string {
  return baseline && cpu ? (baseline / cpu).toFixed(2) : '-';
}

/** 8: RSS at most 200 MB, and flat over the soak: the last quarter's peak against the first quarter's. */
function rssRow(rss: RssSampler, from: number, to: number, database: string): Row {
  const quarter = (to - from) / 4;
  const early = rss.peakBetween(from, from + quarter) / MB;
  const late = rss.peakBetween(to - quarter, to) / MB;
  const peak = rss.highWaterMark / MB;
  const growth = early > 0 ? late / early - 1 : NaN;
  const ok = peak <= TARGETS.rssMb && growth <= TARGETS.rssGrowth;
  return {
    ...figureOnly('8', `server RSS over the ${((to - from) / 1000).toFixed(0)} s run of 1-4`, database),
    rssMb: peak,
    figure: `peak ${peak.toFixed(0)} MB, ${early.toFixed(0)} -> ${late.toFixed(0)} MB`,
    target: `<= ${TARGETS.rssMb} MB, late <= early +${TARGETS.rssGrowth * 100}%`,
    verdict: verdict(ok, 0),
  };
}

/** The start of a row that reports one figure rather than a load (7 and 8): no request columns. */
function figureOnly(id: string, scenario: string, database: string) {
  return { id, scenario, database, rps: null, p50: null, p99: null, errors: null, cpuUs: null, rssMb: null };
}

/** 5: refresh-token rotation, each connection following its own chain. */
export async function rotationScenario(server: GatehouseServer, chains: Chain[], options: BenchOptions, database: string): Promise<Row> {
  const load: Load = { name: `refreshToken rotation (${database})`, url: server.url, rss: server.rss, script: (i) => rotationScript(chains[i]) };
  if (options.warmup > 0) {
    log(`warm-up: ${load.name}`);
    await phase(load, options, options.warmup);
  }
  log(`${load.name} (${options.duration} s)`);
  const measured = await phase(load, options, options.duration);
  const f = figures(measured);
  return {
    id: '5',
    scenario: 'refreshToken rotation, chain per connection',
    database,
    ...f,
    rssMb: peakRssMb(server.rss, measured),
    figure: `${(f.rps ?? 0).toFixed(0)}/s`,
    target: `>= ${TARGETS.rotationsPerSecond}/s`,
    verdict: verdict((f.rps ?? 0) >= TARGETS.rotationsPerSecond, f.errors),
  };
}

/**
 * 6 and 7: `tokenAuth` against a raw `bcrypt.compare` server at the same cost, interleaved;
 * the Gatehouse server's event-loop delay p99 while it serves `tokenAuth`, against idle.
 */
export async function loginScenarios(
  server: GatehouseServer,
  raw: { url: string; rss: RssSampler },
  user: { username: string; password: string },
  options: BenchOptions,
  database: string,
): Promise<Row[]> {
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
  rows.push({
    id: '6a',
    scenario: `raw bcrypt.compare server (cost ${options.bcryptRounds})`,
    database: '-',
    ...rawFigures,
    rssMb: peakRssMb(raw.rss, rawTotal),
    figure: '1.00 (baseline)',
    target: '',
    verdict: rawFigures.errors ? 'MISS' : 'n/a',
  });
  rows.push({
    id: '6',
    scenario: `tokenAuth (cost ${options.bcryptRounds})`,
    database,
    ...loginFigures,
    rssMb: peakRssMb(server.rss, loginTotal),
    figure: `${ratio.toFixed(3)} x 6a (CPU ${cpuRatio(rawFigures.cpuUs, loginFigures.cpuUs)})`,
    target: `>= ${TARGETS.login.toFixed(2)} x 6a`,
    verdict: verdict(ratio >= TARGETS.login, loginFigures.errors),
  });
  if (options.only.has(7) && idle.length > 0 && underLoad.length > 0) {
    const loaded = Math.max(...underLoad.map((r) => r.p99));
    const quiet = Math.max(...idle.map((r) => r.p99));
    const eld = loaded / quiet;
    rows.push({
      ...figureOnly('7', 'event-loop delay p99 during 6 vs idle', database),
      figure: `${loaded.toFixed(1)} / ${quiet.toFixed(1)} ms = ${eld.toFixed(2)}`,
      target: `<= ${TARGETS.eventLoop} x idle`,
      verdict: verdict(eld <= TARGETS.eventLoop, 0),
      note: `monitorEventLoopDelay at 10 ms resolution (an idle loop reads about 10 ms); worst p99 of the ${underLoad.length} tokenAuth phases against the worst of the idle windows just before them`,
    });
  }
  return rows;
}

