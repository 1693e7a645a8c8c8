import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../../src/cli/main';
import { testEnv } from './server';

const MAIN = join(__dirname, '..', '..', 'src', 'server', 'main.js');
const BIN = join(__dirname, '..', '..', '..', 'bin', 'gatehouse-graphql.js');

/** A Gatehouse server running as its own process, as `npm start` runs it. */
export interface ServerProcess {
  url: string;
  base: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...testEnv(env) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    child.stdout!.on('data', () => {
      const match = /serving (http:\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url,
    base: url.replace(/\/graphql$/, ''),
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the gatehouse CLI with test settings; throws on a non-zero exit. */
export function cli(args: string[], env: Record<string, string>, input?: string): string {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...testEnv(env) }, input, encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`gatehouse ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs a gatehouse CLI command in this process, through the same `runCli` the bin calls,
 * with the settings `cli` gives it. A process of its own costs about half a second of CPU
 * and shows nothing more, except where the process is the point (the bin, standard input,
 * exit codes as a shell sees them, the log on standard error): use `cli` there.
 */
export async function cliHere(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: (line) => (out += `${line}\n`),
    err: (line) => (err += `${line}\n`),
    readStdin: async () => input,
    env: { ...process.env, ...testEnv(env) },
  });
  return { code, out, err };
}

/** `cliHere`, throwing on a non-zero exit as `cli` does; resolves to the output. */
export async function cliHereOk(args: string[], env: Record<string, string>, input?: string): Promise<string> {
  const result = await cliHere(args, env, input);
  if (result.code !== 0) throw new Error(`gatehouse ${args.join(' ')} failed (${result.code}): ${result.err}`);
  return result.out;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** True when a `redis-server` binary is on the PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A private Redis on its own port (nothing on disk), which a test may stop and start again. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 50; i += 1) {
      const ping = spawnSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' });
      if (ping.stdout?.trim() === 'PONG') return;
      await sleep(100);
    }
    throw new Error('private redis did not start');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** Polls `check` until it returns true or `ms` pass; returns how long it took, or null. */
export async function within(ms: number, check: () => Promise<boolean>): Promise<number | null> {
  const start = Date.now();
  while (Date.now() - start <= ms) {
    if (await check()) return Date.now() - start;
    await sleep(25);
  }
  return null;
}
