import { mkdirSync, readFileSync, statSync } from 'node:fs';
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
  /** More variables for the server (e.g. `LOG_LEVEL` to see what the log line costs). */
  env?: Record<string, string>;
}

/** A real Gatehouse server in a child process (`node [npm start's options] --require dist/bench/event-loop-hook.js dist/src/server/main.js`). */
export interface GatehouseServer {
  child: BenchChild;
  url: string;
  port: number;
  rss: RssSampler;
  /** The file the server's stdout (its log) goes to, as with `npm start > gatehouse.log`. */
  logFile: string;
  /** Bytes written to the log so far. */
  logBytes(): number;
  /** The event-loop delay since the previous call (the first call only starts a window). */
  eventLoop(): Promise<EventLoopReport>;
  stop(): Promise<void>;
}

/**
 * The node options `npm start` runs the server with (package.json's `start` script, e.g.
 * `--max-semi-space-size=4`), read from there so that the bench runs the server as users do.
 * The baselines get them too, so that a ratio compares code, not runtime settings.
 */
export function startNodeOptions(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const match = /^exec node ((?:--\S+ )*)dist\/src\/server\/main\.js$/.exec(scripts.start);
  if (!match) throw new Error(`package.json's start script is not "exec node [--options] dist/src/server/main.js": ${scripts.start}`);
  return match[1].split(' ').filter(Boolean);
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
 * Starts a Gatehouse server on a free port as users run it: `NODE_ENV=production` with a
 * `JWT_SECRET`, the default `LOG_LEVEL` (info: one line per request), and its stdout (the
 * log) written to a real file in its data folder, not a pipe. The event-loop report is
 * preloaded (`event-loop-hook.ts`): the server itself has no benchmark switch.
 */
export async function startGatehouseServer(options: ServerOptions): Promise<GatehouseServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = join(options.dataDir, `${options.name}.log`);
  const child = await spawnNode({
    name: options.name,
    nodeArgs: [...startNodeOptions(), '--require', join(ROOT, 'dist/bench/event-loop-hook.js'), ...profileArgs(options.profileDir, options.name), join(ROOT, 'dist/src/server/main.js')],
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
      ...(options.env ?? {}),
    },
    ready: /serving (http:\/\/[^\s]+:(\d+)\/graphql)/,
    stdoutFile: logFile,
  });
  const rss = new RssSampler(child.pid);
  return {
    child,
    url: child.ready[1],
    port: Number(child.ready[2]),
    rss,
    logFile,
    logBytes() {
      try {
        return statSync(logFile).size;
      } catch {
        return 0;
      }
    },
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

/** A baseline server in a child process: the bare Apollo Server or the raw bcrypt server. */
export interface BaselineServer {
  child: BenchChild;
  url: string;
  rss: RssSampler;
  stop(): Promise<void>;
}

/** A baseline server (a script in dist/bench/ that prints `listening URL`) in a child process, in production mode. */
async function startBaseline(name: string, env: Record<string, string>, profileDir: string | null): Promise<BaselineServer> {
  const child = await spawnNode({
    name,
    nodeArgs: [...startNodeOptions(), ...profileArgs(profileDir, name), join(ROOT, `dist/bench/${name}.js`)],
    env: { ...baseEnv(), NODE_ENV: 'production', PORT: '0', ...env },
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

/** The bare Apollo Server 5 (`bench/bare-apollo.ts`), the baseline of 1-3. */
export function startBareApollo(profileDir: string | null): Promise<BaselineServer> {
  return startBaseline('bare-apollo', {}, profileDir);
}

/** The floors of 2 and 3 (`bench/floor-apollo.ts`): the bare Apollo Server verifying each request's token with Gatehouse's `verifyAccessToken`. */
export function startFloorApollo(profileDir: string | null): Promise<BaselineServer> {
  return startBaseline('floor-apollo', { JWT_SECRET: BENCH_SECRET }, profileDir);
}

/** The raw bcrypt baseline server (bench/bcrypt-server.ts). */
export function startBcryptServer(bcryptRounds: number, password: string, profileDir: string | null): Promise<BaselineServer> {
  return startBaseline('bcrypt-server', { BCRYPT_ROUNDS: String(bcryptRounds), BENCH_PASSWORD: password }, profileDir);
}
