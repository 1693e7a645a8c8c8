import pino, { type DestinationStream, type Logger } from 'pino';
import type { Settings } from '../settings';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out should anything try to log them. Gatehouse's own lines carry no
 * secrets by construction (see `audit`); this is the safety net.
 */
export const REDACTED_PATHS = [
  'password', 'newPassword', 'oldPassword', 'token', 'refreshToken', 'authorization', 'cookie',
  '*.password', '*.newPassword', '*.oldPassword', '*.token', '*.refreshToken', '*.authorization', '*.cookie',
  'headers["refresh-token"]', '*.headers["refresh-token"]',
];

/**
 * Gatehouse's structured logger: one JSON object per line, at `LOG_LEVEL`.
 *
 * @example
 * const log = createLogger(settings);                    // stdout
 * const log = createLogger(settings, { write: (line) => lines.push(line) }); // anywhere
 */
export function createLogger(settings: Pick<Settings, 'logging'>, destination?: DestinationStream): Logger {
  const options = { ...baseOptions(settings), redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return pino(options, destination ?? bufferedStdout(settings));
}

function baseOptions(settings: Pick<Settings, 'logging'>) {
  return { level: settings.logging.level, base: { service: 'gatehouse' }, timestamp: pino.stdTimeFunctions.isoTime };
}

/** Bytes of log lines kept before they are written (one write per this much, not per line). */
export const LOG_BUFFER_BYTES = 4096;
/** The longest a buffered line waits to be written, milliseconds. */
export const LOG_FLUSH_MS = 250;

/**
 * Standard output, buffered: lines are written in chunks of `LOG_BUFFER_BYTES` and at least
 * every `LOG_FLUSH_MS`, instead of one write through the thread pool per line (on a busy
 * server that write cost about a fifth of every request). pino writes what is left when the
 * process exits; a SIGKILL loses at most the last `LOG_FLUSH_MS` of lines.
 */
function bufferedStdout(settings: Pick<Settings, 'logging'>): DestinationStream {
  if (settings.logging.level === 'silent') return pino.destination({ dest: 1, sync: false });
  const stream = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  const timer = setInterval(() => {
    try {
      stream.flush();
    } catch {
      clearInterval(timer); // the stream has ended
    }
  }, LOG_FLUSH_MS);
  timer.unref();
  return stream;
}

/**
 * A logger for the request line only, on the same destination as `log` but without
 * redaction: the line is built from fixed fields that carry no secrets (see
 * `logWhenDone`), and checking every line against the wildcard paths cost several
 * microseconds per request. A logger you gave Gatehouse yourself is used as it is.
 *
 * @example const requestLog = requestLineLogger(log, settings);
 */
export function requestLineLogger(log: Logger, settings: Pick<Settings, 'logging'>): Logger {
  const stream = (log as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  return pino(baseOptions(settings), stream);
}
