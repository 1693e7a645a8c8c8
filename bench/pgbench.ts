/**
 * PostgreSQL's own limit on this machine, for the rotation target of `npm run bench` (5a):
 * `pgbench -i` on a scratch database of the same PostgreSQL, then its built-in
 * simple-update script (`pgbench -N`: one transaction of an UPDATE of a random account, a
 * SELECT of its balance and an INSERT into pgbench_history), with 16 clients on 2 threads.
 *
 * @example
 * const bench = await preparePgbench('postgres://postgres@127.0.0.1:5432/gh_bench_x');
 * const { tps } = await runPgbench(bench, 10, 16);
 */
import { execFile, execFileSync } from 'node:child_process';

/** Whether `pgbench` is on the PATH (it comes with PostgreSQL's client programs). */
export function pgbenchAvailable(): boolean {
  try {
    execFileSync('pgbench', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Creates pgbench's tables in `url` (scale 1: 100,000 accounts). */
export function preparePgbench(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('pgbench', ['-i', '-q', '-s', '1', url], { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`pgbench -i failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}

export interface PgbenchResult {
  /** Transactions per second, without the initial connection time. */
  tps: number;
  transactions: number;
  seconds: number;
  /** Mean latency, milliseconds. */
  latencyMs: number;
}

/** `pgbench -N -c clients -j 2 -T seconds` against `url`; parses its summary. */
export function runPgbench(url: string, seconds: number, clients: number): Promise<PgbenchResult> {
  const whole = Math.max(1, Math.round(seconds));
  return new Promise((resolve, reject) => {
    execFile('pgbench', ['-N', '-n', '-c', String(clients), '-j', '2', '-T', String(whole), url], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`pgbench failed: ${stderr || error.message}`));
      const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
      const transactions = /number of transactions actually processed: (\d+)/.exec(stdout);
      const latency = /latency average = ([\d.]+) ms/.exec(stdout);
      if (!tps) return reject(new Error(`pgbench printed no tps:\n${stdout}\n${stderr}`));
      resolve({ tps: Number(tps[1]), transactions: Number(transactions?.[1] ?? NaN), seconds: whole, latencyMs: Number(latency?.[1] ?? NaN) });
    });
  });
}
