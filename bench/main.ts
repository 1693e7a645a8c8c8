#!/usr/bin/env node
/**
 * `npm run bench`: starts real Gatehouse servers in child processes (SQLite, and
 * PostgreSQL when it answers), loads them with autocannon from this process, and prints
 * one table with the targets of issue 8. The figures go to bench/results.json as well.
 *
 * @example
 * npm run bench                                   # defaults: about 2.5 minutes on 2 cores
 * npm run bench -- --duration 5 --connections 20  # shorter, more connections
 * npm run bench -- --only 4 --profile bench/profiles   # one scenario, with CPU profiles
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { type BenchDatabase, type BenchUser, postgresAnswers, postgresDatabase, prepareDatabase, sqliteDatabase } from './databases';
import { login, type Session } from './graphql';
import { type BenchOptions, parseOptions, USAGE } from './options';
import { renderTable, type Row } from './report';
import { loginScenarios, requestScenarios, rotationScenario } from './scenarios';
import type { Chain } from './scripts';
import { ROOT, startBcryptServer, startGatehouseServer } from './servers';

const PASSWORD = 'correct horse battery staple';
/** The users the load is spread over have cheap hashes: only scenario 6 is about bcrypt. */
const FAST_ROUNDS = 4;

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function benchUsers(options: BenchOptions): { users: BenchUser[]; loginUser: BenchUser } {
  const users = Array.from({ length: options.connections }, (_, i) => ({ username: `bench-${i}`, password: PASSWORD, rounds: FAST_ROUNDS }));
  const loginUser = { username: 'bench-login', password: PASSWORD, rounds: options.bcryptRounds };
  return { users, loginUser };
}

async function sessionsFor(url: string, users: BenchUser[]): Promise<Session[]> {
  const sessions: Session[] = [];
  for (const user of users) sessions.push(await login(url, user.username, user.password));
  return sessions;
}

const toChains = (sessions: Session[]): Chain[] => sessions.map((s) => ({ refreshToken: s.refreshToken, rotations: 0 }));

/** Everything that runs against the SQLite server: 1–4 and 8, 5, 6 and 7. */
async function onSqlite(options: BenchOptions, db: BenchDatabase): Promise<Row[]> {
  const { users, loginUser } = benchUsers(options);
  log(`SQLite: preparing ${db.url}`);
  await prepareDatabase(db.url, [...users, loginUser]);
  const server = await startGatehouseServer({ name: 'gatehouse-sqlite', databaseUrl: db.url, bcryptRounds: options.bcryptRounds, dataDir: db.dataDir, profileDir: options.profileDir });
  const rows: Row[] = [];
  try {
    log(`SQLite server ${server.url} (pid ${server.child.pid})`);
    const sessions = await sessionsFor(server.url, users);
    rows.push(...(await requestScenarios(server, sessions, options, 'sqlite')));
    if (options.only.has(5)) rows.push(await rotationScenario(server, toChains(await sessionsFor(server.url, users)), options, 'sqlite'));
    if (options.only.has(6) || options.only.has(7)) {
      const raw = await startBcryptServer(options.bcryptRounds, PASSWORD, options.profileDir);
      try {
        rows.push(...(await loginScenarios(server, raw, loginUser, options, 'sqlite')));
      } finally {
        await raw.stop();
      }
    }
  } catch (error) {
    log(`the SQLite server's last lines:\n${server.child.tail()}`);
    throw error;
  } finally {
    await server.stop();
  }
  return rows;
}

/** Scenario 5 against a PostgreSQL server. */
async function onPostgres(options: BenchOptions): Promise<Row[]> {
  const db = await postgresDatabase();
  try {
    const { users } = benchUsers(options);
    log(`PostgreSQL: preparing ${db.url}`);
    await prepareDatabase(db.url, users);
    const server = await startGatehouseServer({ name: 'gatehouse-postgresql', databaseUrl: db.url, bcryptRounds: options.bcryptRounds, dataDir: db.dataDir, profileDir: options.profileDir });
    try {
      log(`PostgreSQL server ${server.url} (pid ${server.child.pid})`);
      return [await rotationScenario(server, toChains(await sessionsFor(server.url, users)), options, 'postgresql')];
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const started = new Date();
  const loadBefore = loadavg();
  const rows: Row[] = [];
  const sqlite = sqliteDatabase();
  try {
    rows.push(...(await onSqlite(options, sqlite)));
  } finally {
    await sqlite.drop();
  }
  if (options.only.has(5)) {
    if (!options.postgres) {
      log('PostgreSQL skipped (--no-postgres)');
    } else if (!postgresAnswers()) {
      log('PostgreSQL does not answer: scenario 5 runs on SQLite only');
      rows.push({ id: '5', scenario: 'refreshToken rotation, chain per connection', database: 'postgresql', rps: null, p50: null, p99: null, errors: null, cpuUs: null, rssMb: null, figure: 'not run', target: '>= 1000/s', verdict: 'n/a', note: 'PostgreSQL did not answer' });
    } else {
      rows.push(...(await onPostgres(options)));
    }
  }
  const order = ['1', '2', '3', '4', '5', '6a', '6', '7', '8'];
  rows.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));

  const seconds = (Date.now() - started.getTime()) / 1000;
  const loadAfter = loadavg();
  const commit = gitCommit();
  const machine = `${cpus().length} cores, node ${process.version}, load average ${loadBefore[0].toFixed(2)} before / ${loadAfter[0].toFixed(2)} after`;
  console.log(`\nGatehouse benchmark${commit ? ` at ${commit}` : ''}: ${options.connections} connections, ${options.duration} s per scenario, ${options.rounds} rounds, bcrypt cost ${options.bcryptRounds}; ${machine}; ${seconds.toFixed(0)} s in all\n`);
  console.log(renderTable(rows));
  const judged = rows.filter((row) => row.verdict !== 'n/a');
  const misses = judged.filter((row) => row.verdict === 'MISS').length;
  const notRun = rows.filter((row) => row.figure === 'not run').length;
  console.log(`\n${judged.length - misses} of ${judged.length} targets met${misses ? `, ${misses} missed` : ''}${notRun ? `; ${notRun} not run` : ''}.`);

  const json = resolve(ROOT, options.json);
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, JSON.stringify({ started: started.toISOString(), seconds, commit, node: process.version, cores: cpus().length, loadBefore, loadAfter, options: { ...options, only: [...options.only] }, rows }, null, 2) + '\n');
  log(`figures written to ${json}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('bench: failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
