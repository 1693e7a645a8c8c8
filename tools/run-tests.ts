/**
 * `npm test`'s runner (after `npm run build`): node's test runner over every test file,
 * in a few processes rather than one per file. Each process loads the app once (about a
 * second of CPU) and runs several test files one after the other; two processes run at a
 * time (TEST_CONCURRENCY, default 2: the CI machine's cores).
 *
 * - Every `test/**\/*.test.ts` runs, exactly once: the files are found in `test/`, not
 *   listed, so a new one is picked up (one without a measured cost is planned at
 *   DEFAULT_COST seconds, and the plan's output says so). A compiled test whose source is
 *   gone is not run (the output says so too).
 * - A group is one entry file, written to `dist/test-groups/`, that requires its members,
 *   each inside a `describe` named after the member's compiled path: a member's top-level
 *   `before`/`after` hooks are scoped to its own tests (as in a process of its own), and a
 *   failure reads `dist/test/x.test.js > suite > test`.
 * - The plan (planProcesses) balances by measured cost (COSTS), so that the two processes
 *   running at a time end together: the heavy suites (hostile, mail-outbox, cluster,
 *   crash-safety, each up to a fifth of the run) land in different groups, never queued
 *   one after another in one process while the other core idles.
 * - OWN_PROCESS files run as they are, each in a process of its own (memory-attack measures
 *   its process's heap).
 * - Every test process preloads tools/lean-test-hook.ts (node:test's async hook records the
 *   tests only: 10-15 % of a test process's CPU; read there what it costs in reports), and a
 *   test that waits longer than TEST_TIMEOUT_MS fails.
 * - `node --test dist/test/x.test.js` still runs one file on its own; arguments to this
 *   runner (`npm test -- --test-name-pattern=…`) are passed to `node --test`.
 *
 * TEST_GROUPS sets the number of groups (default DEFAULT_GROUPS). Neither switch starts with
 * GATEHOUSE_ (a server warns about any such variable that is not a setting), and neither is
 * passed on to the test processes. What they get instead is TEST_SERVICES_ANSWERED: whether
 * PostgreSQL and Redis answered when this runner asked, once (test/support/services.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { postgresAnswers } from '../test/support/postgres';
import { redisAnswers } from '../test/support/redis';

/**
 * Seconds each test file's tests take inside a group: its describe's `duration_ms` in the
 * TAP output of `npm test` (two groups at a time on the 2-core CI machine), from the run of
 * 2026-12-03 at 24267c7 (npm test 48.0 s; node's 1e8-iteration loop took 0.94 s just before;
 * memory-attack's is its one test's). The process's own start is
 * STARTUP_COST, paid once per process. Only the balance of the plan depends on these: a
 * file missing here runs all the same, planned at DEFAULT_COST.
 */
export const COSTS: Readonly<Record<string, number>> = {
  'accounts.test.js': 6.44,
  'app-tokens.test.js': 1.72,
  'asymmetric-keys.test.js': 2.44,
  'async-context.test.js': 0.37,
  'at-rest-and-bus.test.js': 1.07,
  'authenticate-cache.test.js': 0.00,
  'clear-tokens.test.js': 1.14,
  'cli-help.test.js': 1.11,
  'cli.test.js': 2.14,
  'client.test.js': 0.84,
  'clock-window-limiter.test.js': 0.03,
  'cluster.test.js': 4.42,
  'concurrent-refresh.test.js': 2.60,
  'cookie-mode.test.js': 0.86,
  'crash-safety.test.js': 4.56,
  'devices.test.js': 1.16,
  'directive.test.js': 0.14,
  'errors.test.js': 0.09,
  'example-sdl-server.test.js': 0.55,
  'example-type-graphql.test.js': 0.15,
  'flows.test.js': 0.85,
  'hostile.test.js': 10.07,
  'http-hardening.test.js': 2.55,
  'jws-sign.test.js': 0.60,
  'jwt-verification.test.js': 0.81,
  'login-throttle.test.js': 1.72,
  'logs.test.js': 0.15,
  'lru-map.test.js': 0.02,
  'mail-outbox.test.js': 4.46,
  'memory-attack.test.js': 3.79,
  'metrics.test.js': 0.26,
  'migrations.test.js': 0.29,
  'no-enumeration.test.js': 0.24,
  'npm-start.test.js': 1.43,
  'pack.test.js': 0.00,
  'password-change.test.js': 2.11,
  'production.test.js': 1.25,
  'public-api.test.js': 0.98,
  'random-text.test.js': 0.02,
  'rotation-branches.test.js': 1.64,
  'rotation.test.js': 0.49,
  'run-tests.test.js': 0.97,
  'sandbox.test.js': 0.22,
  'schema.test.js': 0.05,
  'server-process.test.js': 1.69,
  'session-hardening.test.js': 3.02,
  'settings.test.js': 0.18,
  'sha256.test.js': 0.02,
  'sqlite-connections.test.js': 1.50,
  'startup-errors.test.js': 2.02,
  'store-driver.test.js': 0.30,
  'store-events.test.js': 1.13,
  'subscriptions-cluster.test.js': 2.68,
  'subscriptions-endings.test.js': 2.50,
  'subscriptions-shutdown.test.js': 2.42,
  'subscriptions-type-graphql.test.js': 0.06,
  'subscriptions.test.js': 4.55,
  'successor.test.js': 0.02,
  'token-cache.test.js': 0.13,
  'traces.test.js': 0.09,
  'ttl-map.test.js': 0.00,
};

/** The cost planned for a test file COSTS does not know yet (about a typical server suite's). */
export const DEFAULT_COST = 3;

/**
 * Seconds a process costs besides its files' tests: node's start, loading the app and the
 * members' modules, asking whether PostgreSQL and Redis answer, exiting.
 */
export const STARTUP_COST = 2;

/**
 * Files that run in a process of their own. memory-attack.test.js measures the heap of its
 * process after a full GC: alone, nothing but its own server and requests is in it.
 */
export const OWN_PROCESS: ReadonlySet<string> = new Set(['memory-attack.test.js']);

/**
 * The heaviest suites with processes of their own (servers, a private Redis, SIGKILLs): one
 * to a group while there are groups without one, so that no group queues two of them (their
 * times vary most) while the other core idles.
 */
export const SPREAD: ReadonlySet<string> = new Set(['hostile.test.js', 'mail-outbox.test.js', 'cluster.test.js', 'crash-safety.test.js']);

/** How long one test may take before it fails (a test that waits for ever would hold CI). */
export const TEST_TIMEOUT_MS = 180_000;

/** Groups in all, by default: two for each of the two processes running at a time. */
export const DEFAULT_GROUPS = 4;

/** One process of the plan: a group of files (required by an entry file), or one file run as it is. */
export interface PlannedProcess {
  /** Paths of the test files, relative to dist/test (e.g. `accounts.test.js`), in the order they run. */
  files: string[];
  /** True for a group (run through an entry file), false for a file run as it is. */
  grouped: boolean;
  /** Predicted seconds of wall time. */
  cost: number;
  /** Predicted start, in seconds after the run's: the processes are listed in this order. */
  start: number;
}

export const costOf = (file: string, costs: Readonly<Record<string, number>> = COSTS) => costs[file] ?? DEFAULT_COST;

/**
 * Splits the test files into processes for `concurrency` processes at a time: each
 * OWN_PROCESS file alone, the others into `groups` groups (a group of one file runs it as it
 * is). Each of the `concurrency` slots (one process at a time) gets its share of the
 * groups; the files, the SPREAD ones first (one to a group), then the rest largest first,
 * each go to the slot with the least so far and there to its group with the least (a lone
 * process goes to the slot with the least). A slot runs its processes largest first, and the
 * plan lists every process in the order of its predicted start, which is the order node's
 * runner starts them in (the next one whenever a process ends): when the costs are right,
 * the slots end together; when they are not, the processes still go to whichever slot is
 * free. Throws unless every file is in exactly one process.
 */
export function planProcesses(
  files: readonly string[],
  groups: number,
  concurrency = 2,
  costs: Readonly<Record<string, number>> = COSTS,
  ownProcess: ReadonlySet<string> = OWN_PROCESS,
  spread: ReadonlySet<string> = SPREAD,
): PlannedProcess[] {
  for (const [name, value] of [['groups', groups], ['concurrency', concurrency]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, not ${value}`);
  }
  type Item = { files: string[]; grouped: boolean; cost: number };
  const items: Item[] = files.map((file) =>
    ownProcess.has(file) ? { files: [file], grouped: false, cost: STARTUP_COST + costOf(file, costs) } : { files: [file], grouped: true, cost: costOf(file, costs) },
  );

  // The slots, each with its share of the groups (a slot without one takes only lone processes).
  type Bin = { cost: number; items: Item[] };
  const slots = Array.from({ length: concurrency }, (_, i) => {
    const share = Math.floor(groups / concurrency) + (i < groups % concurrency ? 1 : 0);
    return { bins: Array.from({ length: share }, (): Bin => ({ cost: STARTUP_COST, items: [] })), lone: [] as Item[], cost: share * STARTUP_COST };
  });
  const byCost = (a: Item, b: Item) => b.cost - a.cost || a.files[0].localeCompare(b.files[0]);
  const heavy = items.filter((item) => item.grouped && spread.has(item.files[0])).sort(byCost);
  const rest = items.filter((item) => !heavy.includes(item)).sort(byCost);
  for (const item of [...heavy, ...rest]) {
    const lightest = <T extends { cost: number }>(list: T[]) => list.reduce((best, candidate) => (candidate.cost < best.cost ? candidate : best));
    if (!item.grouped) {
      const slot = lightest(slots);
      slot.lone.push(item);
      slot.cost += item.cost;
      continue;
    }
    // A heavy suite goes to a group without one while there is such a group.
    const empty = (bin: Bin) => !bin.items.some((member) => spread.has(member.files[0]));
    const wanted = heavy.includes(item) && slots.some((slot) => slot.bins.some(empty));
    const slot = lightest(slots.filter((candidate) => candidate.bins.length > 0 && (!wanted || candidate.bins.some(empty))));
    const bin = lightest(slot.bins.filter((candidate) => !wanted || empty(candidate)));
    bin.items.push(item);
    bin.cost += item.cost;
    slot.cost += item.cost;
  }

  const processes: PlannedProcess[] = [];
  for (const slot of slots) {
    const own: Item[] = [
      ...slot.bins
        .filter((bin) => bin.items.length > 0)
        .map((bin) => {
          const names = bin.items.flatMap((item) => item.files).sort();
          return { files: names, grouped: names.length > 1, cost: bin.cost };
        }),
      ...slot.lone,
    ].sort(byCost);
    let start = 0;
    for (const item of own) {
      processes.push({ ...item, start });
      start += item.cost;
    }
  }
  processes.sort((a, b) => a.start - b.start || b.cost - a.cost || a.files[0].localeCompare(b.files[0]));

  const planned = processes.flatMap((entry) => entry.files);
  const missing = files.filter((file) => !planned.includes(file));
  const twice = planned.filter((file, index) => planned.indexOf(file) !== index);
  const unknown = planned.filter((file) => !files.includes(file));
  if (missing.length || twice.length || unknown.length) {
    throw new Error(`the plan is wrong: missing ${missing.join(', ') || 'none'}; twice ${twice.join(', ') || 'none'}; not test files ${unknown.join(', ') || 'none'}`);
  }
  return processes;
}

/** When the last process of the plan is predicted to end, `concurrency` at a time in the plan's order. */
export function predictedEnd(plan: readonly PlannedProcess[], concurrency = 2): number {
  const free = Array.from({ length: concurrency }, () => 0);
  for (const entry of plan) {
    const slot = free.indexOf(Math.min(...free));
    free[slot] += entry.cost;
  }
  return Math.max(...free);
}

/** Every `*.test.ts` under `folder` (recursively, skipping `support`), as paths relative to it with `.js`, sorted. */
export function findTestSources(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'support' && entry.name !== 'node_modules') walk(path);
      } else if (entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
        found.push(relative(folder, path).split(sep).join('/').replace(/\.ts$/, '.js'));
      }
    }
  };
  walk(folder);
  return found.sort();
}

/** Compiled test files that no source makes any more (left in dist/ by an earlier build). */
function staleCompiled(distTests: string, sources: readonly string[]): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.js')) {
        const name = relative(distTests, path).split(sep).join('/');
        if (!sources.includes(name)) stale.push(name);
      }
    }
  };
  if (existsSync(distTests)) walk(distTests);
  return stale.sort();
}

/** The entry file of a group: each member required inside a describe of its own. */
export function groupEntry(group: PlannedProcess, index: number, count: number, requirePrefix: string): string {
  const lines = [
    "'use strict';",
    `// Written by dist/tools/run-tests.js (npm test): group ${index} of ${count}, planned ${group.cost.toFixed(1)} s.`,
    '// Each member runs inside a describe of its own, so its top-level before/after hooks are its own.',
    "const { after, describe } = require('node:test');",
    ...group.files.map((file) => `describe(${JSON.stringify(`dist/test/${file}`)}, () => {\n  require(${JSON.stringify(`${requirePrefix}${file}`)});\n});`),
    '// How long the group took, beside its plan (to keep COSTS in tools/run-tests.ts near the truth).',
    `after(() => console.log(\`group ${index} of ${count}: \${process.uptime().toFixed(1)} s in its process (planned ${group.cost.toFixed(1)} s)\`));`,
    '',
  ];
  return lines.join('\n');
}

function wholeNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, not ${JSON.stringify(text)}`);
  return value;
}

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..');
  const distTests = join(root, 'dist', 'test');
  const entries = join(root, 'dist', 'test-groups');
  const files = findTestSources(join(root, 'test'));
  const notBuilt = files.filter((file) => !existsSync(join(distTests, file)));
  if (notBuilt.length) throw new Error(`not built (run npm run build): ${notBuilt.map((file) => `dist/test/${file}`).join(', ')}`);

  const passed = process.argv.slice(2);
  const named = passed.filter((arg) => /\.[cm]?[jt]s$/.test(arg));
  if (named.length) throw new Error(`npm test runs every test file (it would run ${named.join(', ')} twice); run one alone with node --test dist/test/X.test.js`);
  const groups = wholeNumber('TEST_GROUPS', DEFAULT_GROUPS);
  const concurrency = wholeNumber('TEST_CONCURRENCY', 2);
  const plan = planProcesses(files, groups, concurrency);

  rmSync(entries, { recursive: true, force: true });
  mkdirSync(entries, { recursive: true });
  const groupCount = plan.filter((planned) => planned.grouped).length;
  let groupIndex = 0;
  const paths = plan.map((planned) => {
    if (!planned.grouped) return join('dist', 'test', planned.files[0]);
    groupIndex += 1;
    const path = join('dist', 'test-groups', `group-${groupIndex}.js`);
    writeFileSync(join(root, path), groupEntry(planned, groupIndex, groupCount, '../test/'));
    return path;
  });

  const out: string[] = [`# ${files.length} test files in ${plan.length} processes, ${concurrency} at a time, planned to take ${predictedEnd(plan, concurrency).toFixed(0)} s (tools/run-tests.ts):`];
  plan.forEach((planned, i) => out.push(`#   ${paths[i]} (planned ${planned.cost.toFixed(1)} s from ${planned.start.toFixed(1)} s): ${planned.files.join(' ')}`));
  for (const file of files.filter((name) => COSTS[name] === undefined)) out.push(`# ${file} has no measured cost: planned at ${DEFAULT_COST} s (add it to COSTS in tools/run-tests.ts)`);
  for (const file of staleCompiled(distTests, files)) out.push(`# not run: dist/test/${file} (its source test/${file.replace(/\.js$/, '.ts')} is gone)`);
  console.log(out.join('\n'));

  const env = { ...process.env };
  delete env.TEST_GROUPS;
  delete env.TEST_CONCURRENCY;
  // Asked once here, not once in every test process (each asks in a process of its own, ~0.2 s).
  const [postgresql, redis] = await Promise.all([postgresAnswers(), redisAnswers()]);
  env.TEST_SERVICES_ANSWERED = [postgresql && 'postgresql', redis && 'redis'].filter(Boolean).join(' ');
  // The lean hook (tools/lean-test-hook.ts) in every test process; a test still waiting after
  // TEST_TIMEOUT_MS fails rather than holding the run (the longest takes a few seconds).
  const hook = join(__dirname, 'lean-test-hook.js');
  const child = spawn(process.execPath, ['--require', hook, '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${TEST_TIMEOUT_MS}`, ...passed, ...paths], { cwd: root, env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`run-tests: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
