/**
 * The session store's rotation alone, in this process: no HTTP, no GraphQL, no access token.
 * A throw-away database (SQLite in a temporary folder, or a scratch PostgreSQL database),
 * `--chains` device sessions, each of its own user (as each connection of `npm run bench`'s
 * 4 and 5 has), rotated in parallel for `--rounds` rounds of `--seconds`, after a warm-up
 * of one second. Each round prints rotations a second and this process's CPU per rotation
 * (user and system, all threads); on PostgreSQL also PostgreSQL's own CPU per rotation
 * (every `postgres` process, from /proc; Linux) and, at the end, how many claims were HOT
 * updates (`pg_stat_user_tables`); with `--pgbench`, then pgbench's simple-update (`-N`, as
 * `npm run bench`'s 5a) with as many clients, and PostgreSQL's CPU per transaction. Not part of `npm run bench`: the figures are what
 * `store.rotate`, the driver and the database cost, to tell them from the request path
 * (see docs/benchmarks.md, 4 and 5).
 *
 * @example
 * node dist/bench/store-rotation.js sqlite        # or: postgresql; --chains 16 --seconds 4 --rounds 3
 * node dist/bench/store-rotation.js postgresql --pgbench
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createScratchPostgres } from '../test/support/postgres';
import { createGatehouse } from '../src/library/create-gatehouse';
import { loadSettings } from '../src/settings';
import { createUser } from '../src/users/create';
import { login } from '../src/sessions/login';
import { commandCpuMs } from './rss';
import { pgbenchAvailable, preparePgbench, runPgbench } from './pgbench';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { chains: { type: 'string', default: '16' }, seconds: { type: 'string', default: '4' }, rounds: { type: 'string', default: '3' }, pgbench: { type: 'boolean', default: false } },
  });
  const kind = positionals[0] === 'postgresql' ? 'postgresql' : 'sqlite';
  const chains = Number(values.chains);
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-rotation-'));
  const scratch = kind === 'postgresql' ? await createScratchPostgres() : null;
  const settings = loadSettings({
    DATABASE_URL: scratch ? scratch.url : `sqlite:${join(dir, 'bench.sqlite')}`,
    GATEHOUSE_DATA_DIR: dir,
    JWT_SECRET: 'store-rotation-bench-secret-0123456789abcdef',
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'warn',
  });
  const gh = await createGatehouse({ settings });
  try {
    const tokens: string[] = [];
    for (let i = 0; i < chains; i++) {
      const username = `bench-${i}`;
      await createUser(gh.orm.em.fork(), { username, password: 'bench-password' }, 4);
      tokens.push((await login(gh, gh.orm.em.fork(), { username, password: 'bench-password', headers: {} })).refreshToken);
    }
    const run = async (ms: number) => {
      let count = 0;
      const end = Date.now() + ms;
      await Promise.all(tokens.map(async (_, i) => {
        while (Date.now() < end) {
          tokens[i] = (await gh.store.rotate(tokens[i], {})).refreshToken;
          count++;
        }
      }));
      return count;
    };
    await run(1000);
    for (let round = 1; round <= rounds; round++) {
      const database = scratch ? commandCpuMs('postgres') : 0;
      const before = process.cpuUsage();
      const started = process.hrtime.bigint();
      const count = await run(seconds * 1000);
      const cpu = process.cpuUsage(before);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const pg = scratch ? `; PostgreSQL ${(((commandCpuMs('postgres') - database) * 1000) / count).toFixed(0)} µs CPU each` : '';
      console.log(
        `${kind} round ${round}/${rounds}: ${(count / wall).toFixed(0)} rotations/s, ${((cpu.user + cpu.system) / count).toFixed(0)} µs CPU each in this process ` +
          `(${(cpu.user / count).toFixed(0)} user, ${(cpu.system / count).toFixed(0)} system)${pg}, ${chains} chains, ${seconds} s`,
      );
    }
    if (scratch) {
      const [row] = (await gh.orm.em.fork().getConnection().execute("select n_tup_upd, n_tup_hot_upd from pg_stat_user_tables where relname = 'gatehouse_refresh_token'")) as Array<{ n_tup_upd: string; n_tup_hot_upd: string }>;
      if (row) console.log(`postgresql: ${row.n_tup_hot_upd} of ${row.n_tup_upd} updates of gatehouse_refresh_token were HOT (pg_stat_user_tables, the whole run)`);
    }
    if (scratch && values.pgbench) await pgbenchRounds(chains, seconds, rounds);
  } finally {
    await gh.close();
    await gh.orm.close();
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** pgbench `-N` on a scratch database of the same PostgreSQL: tps and PostgreSQL's CPU per transaction, per round. */
async function pgbenchRounds(clients: number, seconds: number, rounds: number): Promise<void> {
  if (!pgbenchAvailable()) return void console.log('pgbench: not on the PATH');
  const scratch = await createScratchPostgres();
  try {
    await preparePgbench(scratch.url);
    for (let round = 1; round <= rounds; round++) {
      const before = commandCpuMs('postgres');
      const result = await runPgbench(scratch.url, seconds, clients);
      const used = commandCpuMs('postgres') - before;
      console.log(`pgbench -N round ${round}/${rounds}: ${result.tps.toFixed(0)} tps; PostgreSQL ${((used * 1000) / result.transactions).toFixed(0)} µs CPU each, ${clients} clients, ${result.seconds} s`);
    }
  } finally {
    await scratch.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
