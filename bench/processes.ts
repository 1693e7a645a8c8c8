import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A child process started by the bench, with its output read line by line. */
export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  /** The first stdout line that matched `ready` (its match). */
  readonly ready: RegExpExecArray;
  /** Waits for the next stderr line starting with `prefix` (after this call), up to `timeoutMs`. */
  nextStderrLine(prefix: string, timeoutMs?: number): Promise<string>;
  /** Sends a signal to the child. */
  signal(name: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines it wrote, for error messages. */
  tail(): string;
}

export interface SpawnOptions {
  name: string;
  /** Arguments to `node`, e.g. `['dist/src/server/main.js']`. */
  nodeArgs: string[];
  env: Record<string, string>;
  /** A stdout line matching this means the child is ready. */
  ready: RegExp;
  /**
   * Where the child's stdout goes: a file it writes itself, as `npm start > gatehouse.log`
   * would (then `ready` is looked for in the file). By default a pipe this process reads.
   */
  stdoutFile?: string;
  timeoutMs?: number;
}

/** The lines in the last `bytes` of a file (the log may be hundreds of MB by the end of a run). */
function lastLines(path: string, bytes = 16 * 1024): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    const lines = buffer.toString('utf8').split('\n');
    return start > 0 ? lines.slice(1) : lines;
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Starts `node <nodeArgs>` and resolves once it prints its ready line; rejects if it exits first. */
export async function spawnNode(options: SpawnOptions): Promise<BenchChild> {
  const fd = options.stdoutFile ? openSync(options.stdoutFile, 'a') : null;
  const child: ChildProcess = spawn(process.execPath, options.nodeArgs, {
    env: options.env,
    stdio: ['ignore', fd ?? 'pipe', 'pipe'],
  });
  // The child has its own copy of the descriptor.
  if (fd !== null) closeSync(fd);
  const fileLines = (): string[] => (options.stdoutFile ? lastLines(options.stdoutFile) : []);
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
  };
  const stderrWaiters: Array<{ prefix: string; resolve: (line: string) => void }> = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    const waiter = stderrWaiters.findIndex((w) => line.startsWith(w.prefix));
    if (waiter >= 0) {
      stderrWaiters.splice(waiter, 1)[0].resolve(line);
      return;
    }
    keep(`[stderr] ${line}`);
  });
  const tail = () => [...lines, ...(options.stdoutFile ? fileLines().filter(Boolean).slice(-20).map((line) => `[${options.stdoutFile}] ${line}`) : [])].join('\n');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let readyMatch: RegExpExecArray | undefined;
  const ready = new Promise<RegExpExecArray>((resolve, reject) => {
    let poll: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`${options.name} did not start in time:\n${tail()}`));
    }, options.timeoutMs ?? 30_000);
    const found = (match: RegExpExecArray) => {
      readyMatch = match;
      clearTimeout(timer);
      clearInterval(poll);
      resolve(match);
    };
    if (options.stdoutFile) {
      // The file is only read until the ready line shows: the server's log is not the bench's to parse.
      poll = setInterval(() => {
        for (const line of fileLines()) {
          const match = options.ready.exec(line);
          if (match) return found(match);
        }
      }, 50);
    } else {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        keep(line);
        const match = readyMatch ? null : options.ready.exec(line);
        if (match) found(match);
      });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`${options.name} exited (code ${code}) before it was ready:\n${tail()}`));
    });
  });
  const match = await ready;
  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    pid: child.pid!,
    ready: match,
    nextStderrLine(prefix, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const waiter = { prefix, resolve: (line: string) => { clearTimeout(timer); resolve(line); } };
        const timer = setTimeout(() => {
          stderrWaiters.splice(stderrWaiters.indexOf(waiter), 1);
          reject(new Error(`${options.name} wrote no "${prefix.trim()}" line in ${timeoutMs} ms`));
        }, timeoutMs);
        stderrWaiters.push(waiter);
      });
    },
    signal(name) {
      child.kill(name);
    },
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
    tail,
  };
}
