import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { startGatehouse, type RunningGatehouse, type StartOptions } from '../../src/server/app';
import { loadSettings, type Settings } from '../../src/settings';
import { createUser, type NewUser } from '../../src/users/create';
import { OffsetClock } from '../../src/util/clock';
import { leasePostgres, postgresSkip } from './postgres';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export type DatabaseKind = 'sqlite' | 'postgresql';

/** Environment for a test server: fast bcrypt, a known secret, a free port. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return { NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, BCRYPT_ROUNDS: '4', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...overrides };
}

export interface TestServer extends RunningGatehouse {
  settings: Settings;
  /** The server's clock: real time, moved ahead with `clock.advance(ms)` to cross an expiry or a grace window. */
  clock: OffsetClock;
  /** Creates a user straight in the database. */
  createUser(input: Partial<NewUser> & { username: string }): Promise<{ id: string }>;
  /** Runs raw SQL against the server's database. */
  sql<T = Record<string, unknown>>(query: string): Promise<T[]>;
}

/**
 * Starts a real Gatehouse server on a free port against a database of its own: a new
 * SQLite file, or a PostgreSQL database with no rows (`leasePostgres`), given back afterwards.
 */
export async function startTestServer(
  kind: DatabaseKind,
  env: Record<string, string> = {},
  options: Pick<StartOptions, 'hooks' | 'log' | 'logger' | 'warn'> = {},
): Promise<TestServer> {
  let cleanup: () => Promise<void>;
  let databaseUrl: string;
  if (env.DATABASE_URL) {
    // A database someone else owns (e.g. shared by two servers): left as it is afterwards.
    databaseUrl = env.DATABASE_URL;
    cleanup = async () => undefined;
  } else if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
    databaseUrl = `sqlite:${join(dir, 'test.sqlite')}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const leased = await leasePostgres();
    databaseUrl = leased.url;
    cleanup = leased.release;
  }
  const settings = loadSettings(testEnv({ DATABASE_URL: databaseUrl, GATEHOUSE_DATA_DIR: join(tmpdir(), 'gatehouse-test-data'), ...env }));
  const clock = new OffsetClock();
  let running: RunningGatehouse;
  try {
    running = await startGatehouse({ settings, log: () => undefined, clock, ...options });
  } catch (error) {
    await cleanup();
    throw error;
  }
  return {
    ...running,
    settings,
    clock,
    async createUser(input) {
      const user = await createUser(running.gatehouse.orm.em.fork(), { password: 'correct horse', ...input }, settings.passwords.bcryptRounds);
      return { id: user.id };
    },
    async sql(query) {
      return running.gatehouse.orm.em.getConnection().execute(query);
    },
    async stop() {
      await running.stop();
      await cleanup();
    },
  };
}

/**
 * Two servers (two instances, in this process) on one PostgreSQL database of their own
 * (`leasePostgres`), told about each other's session changes by its LISTEN/NOTIFY bus;
 * `stop()` stops both and gives the database back.
 */
export async function startTestServerPair(env: Record<string, string> = {}): Promise<{ a: TestServer; b: TestServer; stop(): Promise<void> }> {
  const leased = await leasePostgres();
  try {
    const a = await startTestServer('postgresql', { ...env, DATABASE_URL: leased.url });
    const b = await startTestServer('postgresql', { ...env, DATABASE_URL: leased.url }).catch(async (error) => {
      await a.stop();
      throw error;
    });
    return { a, b, stop: async () => { await Promise.all([a.stop(), b.stop()]); await leased.release(); } };
  } catch (error) {
    await leased.release();
    throw error;
  }
}

/**
 * Declares a suite once per database: SQLite always, PostgreSQL when it answers (else the
 * suite is skipped and one line says so, or under `GATEHOUSE_REQUIRE_SERVICES=1` the file
 * fails). `server()` gives the suite's running server.
 */
export function describeEachDatabase(
  name: string,
  env: Record<string, string>,
  body: (server: () => TestServer, kind: DatabaseKind) => void,
): void {
  for (const kind of ['sqlite', 'postgresql'] as const) {
    const skip = kind === 'postgresql' && postgresSkip();
    if (skip) console.log(`# ${skip}: "${name}" runs on SQLite only`);
    describe(`${name} [${kind}]`, { skip }, () => {
      let server: TestServer | undefined;
      before(async () => {
        server = await startTestServer(kind, env);
      });
      after(async () => {
        await server?.stop();
      });
      body(() => {
        if (!server) throw new Error('server not started');
        return server;
      }, kind);
    });
  }
}
