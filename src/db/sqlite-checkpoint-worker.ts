/**
 * The worker thread of `./sqlite-checkpoints.ts`: its own connection to the SQLite file,
 * which copies the write-ahead log into the database and waits for the disk, so the
 * server's event loop does neither. Each round is `PRAGMA wal_checkpoint(PASSIVE)` (never
 * waits for a reader or the writer); when the log still holds `restartFrames` after it,
 * the round goes on with `wal_checkpoint(TRUNCATE)`, which waits (at most `waitMs`) for the writer and
 * the readers to finish what they are doing, copies the rest and starts the log over itself
 * (an empty file): SQLite's writer starts it over only if no checkpoint is copying at that
 * moment, so passive rounds alone let it grow for as long as the server keeps writing, and
 * `RESTART` (which leaves starting over to the next write) lost that race under load. It rounds again soon while
 * the log grows, and rests while it is empty. It reports only failures.
 */
import { parentPort, workerData } from 'node:worker_threads';

interface Statement {
  all(): Array<{ busy: number; log: number; checkpointed: number }>;
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): unknown;
  close(): void;
}

export interface CheckpointWorkerData {
  /** The SQLite file. */
  path: string;
  /** The `libsql` package's entry, resolved by the parent (the one MikroORM's driver loads). */
  driver: string;
  /** Milliseconds between rounds while frames wait to be copied, and while none do. */
  busyMs: number;
  idleMs: number;
  restartFrames: number;
  /** How long a restarting round waits for the server's statements (its busy timeout). */
  waitMs: number;
  /** Shared with the parent: `[IN_CALL, EXITING]` (see `./sqlite-checkpoints.ts`). */
  flags: Int32Array;
}

/** Indexes into `flags`: the worker is inside the driver; the process is exiting (make no more calls). */
export const IN_CALL = 0;
export const EXITING = 1;

/** What the worker tells its parent: a round that failed. */
export interface CheckpointReport {
  error: string;
}

function run(port: NonNullable<typeof parentPort>, data: CheckpointWorkerData): void {
  const Driver = require(data.driver) as new (path: string) => Database;
  const db = new Driver(data.path);
  db.exec(`PRAGMA busy_timeout = ${Math.floor(data.waitMs)}`);
  const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  const restart = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)');
  let timer: NodeJS.Timeout | undefined;
  let last = -1;
  const { flags } = data;
  const round = () => {
    let growing = false;
    // Inside the driver the thread must not be terminated (libsql aborts the process):
    // the parent's exit handler waits while IN_CALL is set, and once EXITING is set no call starts.
    Atomics.store(flags, IN_CALL, 1);
    if (Atomics.load(flags, EXITING) === 1) {
      Atomics.store(flags, IN_CALL, 0);
      Atomics.notify(flags, IN_CALL);
      return;
    }
    try {
      const [row] = passive.all();
      const log = Number(row?.log ?? 0);
      growing = log > 0 && log !== last;
      last = log;
      // Started over: the server is writing, so the next round comes soon.
      if (log >= data.restartFrames && Number(restart.all()[0]?.busy ?? 1) === 0) last = 0;
    } catch (error) {
      const report: CheckpointReport = { error: error instanceof Error ? error.message || error.name : String(error) };
      port.postMessage(report);
    } finally {
      Atomics.store(flags, IN_CALL, 0);
      Atomics.notify(flags, IN_CALL);
    }
    timer = setTimeout(round, growing ? data.busyMs : data.idleMs);
  };
  port.on('message', (message: unknown) => {
    if (message !== 'stop') return;
    clearTimeout(timer);
    db.close();
    port.close();
  });
  round();
}

if (parentPort) run(parentPort, workerData as CheckpointWorkerData);
