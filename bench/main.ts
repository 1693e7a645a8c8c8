#!/usr/bin/env node
/**
 * `npm run bench`: starts a bare Apollo Server 5 and real Gatehouse servers in child
 * processes (SQLite, and PostgreSQL when it answers), loads them with autocannon from this
 * process, runs pgbench beside them, and prints one table with the targets of issue 14.
 * Each scenario is an entry of `SCENARIOS` (scenarios.ts). The figures go to
 * bench/results.json as well.
 *
 * @example
 * npm run bench                                   # defaults: about 4 minutes on 2 cores
 * npm run bench -- --scale                        # and the seeded database (9)
 * npm run bench -- --duration 5 --connections 20  # shorter, more connections
 * npm run bench -- --only 4 --profile bench/profiles   # one scenario, with CPU profiles
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { createContext, log } from './context';
import { parseOptions, USAGE, type BenchOptions } from './options';
import { renderTable, type Row } from './report';
import { rssRows, SCENARIOS } from './scenarios';
import { ROOT } from './servers';

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
  const context = createContext(options);
  let seconds: number;
  try {
    for (const scenario of SCENARIOS) {
      if (!scenario.ids.some((id) => options.only.has(id))) continue;
      log(`== ${scenario.title} (${scenario.ids.join(', ')})`);
      try {
        rows.push(...(await scenario.run(context)));
      } catch (error) {
        for (const target of context.started()) log(`${target.server.child.name}'s last lines:\n${target.server.child.tail()}`);
        throw error;
      }
    }
    seconds = (Date.now() - started.getTime()) / 1000;
    if (options.only.has(8)) rows.push(...(await rssRows(context.started(), seconds)));
  } finally {
    await context.close();
  }
  const order = (id: string) => [parseInt(id, 10), id.length];
  rows.sort((a, b) => order(a.id)[0] - order(b.id)[0] || order(b.id)[1] - order(a.id)[1]);

  const loadAfter = loadavg();
  const commit = gitCommit();
  const machine = `${cpus().length} cores, node ${process.version}, load average ${loadBefore[0].toFixed(2)} before / ${loadAfter[0].toFixed(2)} after`;
  console.log(`\nGatehouse benchmark${commit ? ` at ${commit}` : ''}: ${options.connections} connections (${options.rotationConnections} for rotation), ${options.duration} s per scenario, ${options.rounds} rounds, bcrypt cost ${options.bcryptRounds}; ${machine}; ${seconds.toFixed(0)} s in all\n`);
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
