/**
 * The worker thread of `./sqlite-checkpoints.ts`: its own connection to the SQLite file,
 * which copies the write-ahead log into the database and waits for the disk, so the
 * server's event loop does neither.
 *
 * Every `pollMs` it reads the log's length from its index (no SQLite call). Once the log has
 * grown by `copyFrames` since the last copy it copies it, `PRAGMA wal_checkpoint(PASSIVE)`
 * (never waits for a reader or the writer); copying less often copies a page written many
 * times once, as SQLite's own checkpoint every 1,000 frames does. Once the log holds
 * `restartFrames` it goes on with `wal_checkpoint(RESTART)`, which waits (at most
 * `waitMs`) for the writer and the readers to finish what they are doing and copies the
 * rest, so that the server's next write starts the log over: SQLite's writer does that
 * only if the log is wholly copied and no checkpoint is copying at that moment, which
 * passive copies alone would not arrange while the server keeps writing (the worker stays
 * out of the way until the log has grown again). If that write missed it, the next copy
 * restarts again. The log's length is read from its index (`-shm`), not from the file,
 * which keeps its size when the log starts over. It reports only failures.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

interface Statement {
  all(): Array<Record<string, unknown>>;
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
  /** Milliseconds between looks at the log's size. */
  pollMs: number;
  /** Frames of growth that make a copy, and the log's size that makes a restart. */
  copyFrames: number;
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

/**
 * Where the log's length is: `mxFrame`, a native-endian u32 at byte 16 of the wal-index
 * header at the start of the `-shm` file (https://www.sqlite.org/walformat.html).
 */
const MX_FRAME_OFFSET = 16;

function run(port: NonNullable<typeof parentPort>, data: CheckpointWorkerData): void {
  const Driver = require(data.driver) as new (path: string) => Database;
  const db = new Driver(data.path);
  db.exec(`PRAGMA busy_timeout = ${Math.floor(data.waitMs)}`);
  const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
  passive.all(); // opens the log and its index
  const index = openSync(`${data.path}-shm`, 'r');
  const header = Buffer.alloc(4);
  const framesInLog = () => (readSync(index, header, 0, 4, MX_FRAME_OFFSET) === 4 ? header.readUInt32LE(0) : 0);
  const { flags } = data;
  let timer: NodeJS.Timeout | undefined;
  let copiedAt = 0;
  const round = () => {
    const frames = framesInLog();
    if (frames < copiedAt) copiedAt = 0; // started over (by this worker, or a process's last connection closing)
    if (frames - copiedAt >= data.copyFrames || frames >= data.restartFrames) {
      // Inside the driver the thread must not be terminated (libsql aborts the process):
      // the parent's exit handler waits while IN_CALL is set, and once EXITING is set no call starts.
      Atomics.store(flags, IN_CALL, 1);
      try {
        if (Atomics.load(flags, EXITING) === 1) return;
        passive.all();
        copiedAt = frames;
        if (frames >= data.restartFrames) restart.all();
      } catch (error) {
        const report: CheckpointReport = { error: error instanceof Error ? error.message || error.name : String(error) };
        port.postMessage(report);
      } finally {
        Atomics.store(flags, IN_CALL, 0);
        Atomics.notify(flags, IN_CALL);
      }
    }
    timer = setTimeout(round, data.pollMs);
  };
  port.on('message', (message: unknown) => {
    if (message !== 'stop') return;
    clearTimeout(timer);
    closeSync(index);
    db.close();
    port.close();
  });
  round();
}

if (parentPort) run(parentPort, workerData as CheckpointWorkerData);
