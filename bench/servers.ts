import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EVENT_LOOP_REPORT_PREFIX, type EventLoopReport } from './event-loop-report';
import { type BenchChild, spawnNode } from './processes';
import { RssSampler } from './rss';

/** The HMAC secret of the bench servers. */
export const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** The repository root (dist/bench/.. /..). */
export const ROOT = resolve(__dirname, '..', '..');

export interface ServerOptions {
  name: string;
  databaseUrl: string;
  bcryptRounds: number;
  dataDir: string;
  profileDir: string | null;
}

/** A real Gatehouse server in a child process (`node --require dist/bench/event-loop-hook.js dist/src/server/main.js`). */
export interface GatehouseServer {
  child: BenchChild;
  url: string;
  port: number;
  rss: RssSampler;
  /** The event-loop delay since the previous call (the first call only starts a window). */
  eventLoop(): Promise<EventLoopReport>;
  stop(): Promise<void>;
}

function profileArgs(profileDir: string | null, name: string): string[] {
  if (!profileDir) return [];
  mkdirSync(profileDir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`];
}

/** Only what the child needs: no DATABASE_URL or JWT_* leaking in from the caller's shell. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'UV_THREADPOOL_SIZE', 'GATEHOUSE_WORKER_NICE']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * Starts a Gatehouse server on a free port, in production mode, with the event-loop report
 * preloaded (`event-loop-hook.ts`): the server itself has no benchmark switch.
 */
export async function startGatehouseServer(options: ServerOptions): Promise<GatehouseServer> {
  const child = await spawnNode({
    name: options.name,
    nodeArgs: ['--require', join(ROOT, 'dist/bench/event-loop-hook.js'), ...profileArgs(options.profileDir, options.name), join(ROOT, 'dist/src/server/main.js')],
    env: {
      ...baseEnv(),
      NODE_ENV: 'production',
      JWT_SECRET: BENCH_SECRET,
      DATABASE_URL: options.databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      BCRYPT_ROUNDS: String(options.bcryptRounds),
      GATEHOUSE_DATA_DIR: options.dataDir,
      // All load comes from one address and few users: keep the login limiter running (its
      // cost is part of tokenAuth) but with limits no benchmark reaches.
      LOGIN_MAX_FAILURES_PER_USER: '1000000',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000',
    },
    ready: /serving (http:\/\/[^\s]+:(\d+)\/graphql)/,
  });
  const rss = new RssSampler(child.pid);
  return {
    child,
    url: child.ready[1],
    port: Number(child.ready[2]),
    rss,
    async eventLoop() {
      const line = child.nextStderrLine(EVENT_LOOP_REPORT_PREFIX);
      child.signal('SIGUSR2');
      return JSON.parse((await line).slice(EVENT_LOOP_REPORT_PREFIX.length)) as EventLoopReport;
    },
    async stop() {
      rss.stop();
      await child.stop();
    },
  };
}

/** The raw bcrypt baseline server (bench/bcrypt-server.ts) in a child process. */
export async function startBcryptServer(bcryptRounds: number, password: string, profileDir: string | null): Promise<{ child: BenchChild; url: string; rss: RssSampler; stop(): Promise<void> }> {
  const child = await spawnNode({
    name: 'bcrypt-server',
    nodeArgs: [...profileArgs(profileDir, 'bcrypt-server'), join(ROOT, 'dist/bench/bcrypt-server.js')],
    env: { ...baseEnv(), NODE_ENV: 'production', BCRYPT_ROUNDS: String(bcryptRounds), BENCH_PASSWORD: password, PORT: '0' },
    ready: /listening (http:\/\/[^\s]+)/,
  });
  const rss = new RssSampler(child.pid);
  return {
    child,
    url: child.ready[1],
    rss,
    async stop() {
      rss.stop();
      await child.stop();
    },
  };
}
