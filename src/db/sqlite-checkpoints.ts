import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MikroORM } from '@mikro-orm/core';
import { execute, onSqlite } from '../store/execute';
import { statementsEm } from '../store/statements-em';
import { BACKGROUND_AUTOCHECKPOINT_FRAMES } from './config';
import { type CheckpointReport, type CheckpointWorkerData, EXITING, IN_CALL } from './sqlite-checkpoint-worker';

/** How long the process's exit waits for a worker that is inside the driver, and `stop()` for the worker, at most. */
const EXIT_WAIT_MS = 5000;
const STOP_WAIT_MS = 10_000;

/**
 * The flags of every running worker, and one `exit` listener for them all: `process.exit()`
 * (or the end of the process) terminates worker threads wherever they are, and libsql
 * aborts the whole process (a Rust panic, exit code 134) when its thread is terminated
 * inside a call. The listener tells each worker to start no more calls and waits, blocking,
 * for those inside one (a checkpoint round: milliseconds, at most `EXIT_WAIT_MS`).
 */
const running = new Set<Int32Array>();
let exitListener: (() => void) | undefined;
function waitForWorkersAtExit(): void {
  const deadline = Date.now() + EXIT_WAIT_MS;
  for (const flags of running) {
    Atomics.store(flags, EXITING, 1);
    while (Atomics.load(flags, IN_CALL) === 1 && Date.now() < deadline) Atomics.wait(flags, IN_CALL, 1, 50);
  }
}

/**
 * At this many frames in the log (4 KiB each: 16 MiB) the worker starts it over. The log's
 * bound is this plus what the server writes during one round of copying.
 */
export const RESTART_FRAMES = 4096;
/** The worker copies the log each time it has grown by this many frames (SQLite's own default interval). */
export const COPY_FRAMES = 1000;

export interface SqliteCheckpoints {
  /** Stops the worker (its connection closed) and waits for it. */
  stop(): Promise<void>;
}

/**
 * Checkpoints of a SQLite database off the event loop. The server's connections run with
 * SQLite's automatic checkpoint moved out of the way (`PRAGMA wal_autocheckpoint =
 * BACKGROUND_AUTOCHECKPOINT_FRAMES`, set by `ormConfig` with `backgroundCheckpoints`). By
 * default every 1,000th page written made the write that crossed it copy the log into the
 * database and wait for two `fsync`s, on the event loop (the libsql driver is synchronous):
 * up to tens of milliseconds, about 40 % of a rotation's statement on the 2-core machine
 * (issue 14, docs/benchmarks.md).
 *
 * A worker thread (`./sqlite-checkpoint-worker.ts`) with a connection of its own does the
 * copying (each `COPY_FRAMES` of growth) and the waiting, and once the log holds
 * `RESTART_FRAMES` copies the rest with `RESTART`, which waits for the server's statement in
 * progress and holds the server's next write while it copies and syncs the last frames (a
 * few milliseconds under load, once per `RESTART_FRAMES`); that write starts the log over.
 *
 * Started only on a SQLite file whose connection has that setting (so a MikroORM instance
 * of the host's own, configured otherwise, is left to SQLite); a no-op on PostgreSQL.
 * Failures are warnings (the first of them).
 *
 * @example
 * const checkpoints = startSqliteCheckpoints(orm, console.warn);
 * // … on shutdown
 * await checkpoints.stop();
 */
export function startSqliteCheckpoints(orm: MikroORM, warn: (message: string) => void): SqliteCheckpoints {
  let worker: Worker | undefined;
  let stopped = false;
  let warned = false;
  const received = (report: CheckpointReport) => {
    if (!warned) warn(`gatehouse: SQLite background checkpoint failed (${report.error})`);
    warned = true;
  };

  const started = (async () => {
    const path = orm.config.get('dbName');
    const em = statementsEm(orm);
    if (!onSqlite(em) || typeof path !== 'string' || path === ':memory:') return;
    const row = (await execute(em, 'PRAGMA wal_autocheckpoint', [], 'get')) as Record<string, unknown> | undefined;
    if (Number(Object.values(row ?? {})[0]) !== BACKGROUND_AUTOCHECKPOINT_FRAMES || stopped) return;
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const data: CheckpointWorkerData = {
      path,
      driver: require.resolve('libsql', { paths: [dirname(require.resolve('@mikro-orm/knex'))] }),
      pollMs: 20,
      copyFrames: COPY_FRAMES,
      restartFrames: RESTART_FRAMES,
      waitMs: 100,
      flags,
    };
    worker = new Worker(join(__dirname, 'sqlite-checkpoint-worker.js'), { workerData: data });
    worker.unref();
    running.add(flags);
    worker.once('exit', () => running.delete(flags));
    if (!exitListener) process.on('exit', (exitListener = waitForWorkersAtExit));
    worker.on('message', received);
    worker.on('error', (error) => warn(`gatehouse: SQLite checkpoint worker failed (${error.message})`));
  })().catch((error: unknown) => warn(`gatehouse: SQLite background checkpoints not started (${error instanceof Error ? error.message : String(error)})`));

  return {
    async stop() {
      stopped = true;
      await started;
      const thread = worker;
      if (!thread) return;
      worker = undefined;
      // Never `terminate()`: inside a libsql call that aborts the process. The worker reads
      // 'stop' between rounds; a round is bounded by its busy timeout and the disk.
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      thread.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
      clearTimeout(timer);
    },
  };
}
