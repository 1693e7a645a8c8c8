import { writeSync } from 'node:fs';

/** Bytes of log lines kept before they are written (one write per this much, not per line). */
export const LOG_BUFFER_BYTES = 16 * 1024;
/** The longest a buffered line waits to be written, milliseconds. */
export const LOG_FLUSH_MS = 250;
/** How long a write to a full pipe (`EAGAIN`) is waited for, in all, before its lines are dropped. */
const FULL_PIPE_WAIT_MS = 1000;
const FULL_PIPE_RETRY_MS = 10;

/**
 * The log's destination (a file descriptor, stdout by default): lines are copied into one
 * buffer and written with one synchronous `write` per `LOG_BUFFER_BYTES`, and at least every
 * `LOG_FLUSH_MS`, and when the process exits. Every line, pino's and the request line
 * (`request-log.ts`), goes through the same buffer, so lines stay in order and whole.
 *
 * Why synchronous: an asynchronous write goes through libuv's thread pool, and waking a pool
 * thread (on a server given one core, the event loop's core) cost more than the write
 * itself: 15-20 µs per request at one write per 4 KiB. A synchronous write of 16 KiB to a
 * file is a copy into the page cache, a few µs per 60-odd lines. The price is pino's own
 * default's: a reader that stops reading (a full pipe) holds the event loop at the flush,
 * for up to `FULL_PIPE_WAIT_MS`, after which the lines are dropped; the buffer never grows
 * past its size, whatever the reader does. A broken pipe (`EPIPE`) stops the log, as pino does;
 * any other write error drops the lines and is said once on stderr.
 *
 * @example
 * const sink = new LogSink(1);
 * const log = pino(options, sink);
 */
export class LogSink {
  private buffer = Buffer.allocUnsafe(4 * LOG_BUFFER_BYTES);
  private used = 0;
  private broken = false;
  private complained = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly fd: number,
    private readonly flushBytes = LOG_BUFFER_BYTES,
    flushMs = LOG_FLUSH_MS,
  ) {
    this.timer = setInterval(() => this.flush(), flushMs);
    this.timer.unref();
    process.once('exit', () => this.flush());
  }

  /** Takes one or more whole lines (pino's `write`). */
  write(text: string): boolean {
    if (this.broken) return true;
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (this.used + 3 * text.length > this.buffer.length) {
      this.flush();
      if (3 * text.length > this.buffer.length) {
        this.writeOut(Buffer.from(text, 'utf8'));
        return true;
      }
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
    if (this.used >= this.flushBytes) this.flush();
    return true;
  }

  /** Writes what is buffered now. */
  flush(callback?: (error?: Error) => void): void {
    if (this.used > 0) {
      const chunk = this.buffer.subarray(0, this.used);
      this.used = 0;
      this.writeOut(chunk);
    }
    callback?.();
  }

  /** pino calls this on `fatal` and at exit. */
  flushSync(): void {
    this.flush();
  }

  /** Stops the timer after a last flush (for a sink that is not the process's stdout). */
  end(): void {
    this.flush();
    clearInterval(this.timer);
  }

  private writeOut(chunk: Buffer): void {
    let offset = 0;
    let waited = 0;
    while (offset < chunk.length && !this.broken) {
      try {
        offset += writeSync(this.fd, chunk, offset, chunk.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' && waited < FULL_PIPE_WAIT_MS) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, FULL_PIPE_RETRY_MS);
          waited += FULL_PIPE_RETRY_MS;
          continue;
        }
        if (code === 'EPIPE') this.broken = true;
        else this.complain(code ?? String(error));
        return;
      }
    }
  }

  private complain(code: string): void {
    if (this.complained) return;
    this.complained = true;
    try {
      writeSync(2, `gatehouse: writing the log failed (${code}); lines were dropped\n`);
    } catch {
      // stderr is gone too
    }
  }
}
