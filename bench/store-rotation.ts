/**
 * The session store's rotation alone, in this process: no HTTP, no GraphQL, no access token.
 * A throw-away database (SQLite in a temporary folder, or a scratch PostgreSQL database),
 * one user, `--chains` device sessions rotated in parallel for `--seconds`, after a warm-up
 * of one second; prints rotations a second and this process's CPU per rotation (user and
 * system, all threads). Not part of `npm run bench`: the figure is what `store.rotate` and
 * the driver cost, to tell them from the request path (see docs/benchmarks.md, 4 and 5).
 *
 * @example
 * node dist/bench/store-rotation.js sqlite        # or: postgresql; --chains 16 --seconds 5
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

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { chains: { type: 'string', default: '16' }, seconds: { type: 'string', default: '5' } } });
  const kind = positionals[0] === 'postgresql' ? 'postgresql' : 'sqlite';
  const chains = Number(values.chains);
  const seconds = Number(values.seconds);
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-rotation-'));
  const scratch = kind === 'postgresql' ? await createScratchPostgres() : null;
  const settings = loadSettings({
    DATABASE_URL: scratch ? scratch.url : `sqlite:${join(dir, 'bench.sqlite')}`,
    GATEHOUSE_DATA_DIR: dir,
    JWT_SECRET: 'store-rotation-bench-secret-0123456789abcdef',
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'warn',
    MAX_DEVICES_PER_USER: String(Math.max(50, chains)),
  });
  const gh = await createGatehouse({ settings });
  try {
    await createUser(gh.orm.em.fork(), { username: 'bench', password: 'bench-password' }, 4);
    const tokens: string[] = [];
    for (let i = 0; i < chains; i++) tokens.push((await login(gh, gh.orm.em.fork(), { username: 'bench', password: 'bench-password', headers: {} })).refreshToken);
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
    const before = process.cpuUsage();
    const started = process.hrtime.bigint();
    const count = await run(seconds * 1000);
    const cpu = process.cpuUsage(before);
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`${kind}: ${(count / wall).toFixed(0)} rotations/s, ${((cpu.user + cpu.system) / count).toFixed(0)} µs CPU each (${(cpu.user / count).toFixed(0)} user, ${(cpu.system / count).toFixed(0)} system), ${chains} chains, ${seconds} s`);
  } finally {
    await gh.close();
    await gh.orm.close();
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
