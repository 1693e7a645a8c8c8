import pino, { type DestinationStream, type Logger } from 'pino';
import type { Settings } from '../settings';
import { LogSink } from './sink';

export { LOG_BUFFER_BYTES, LOG_FLUSH_MS } from './sink';

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
  const stream = destination ?? stdoutSink();
  const logger = pino(options, stream);
  destinations.set(logger, stream);
  return logger;
}

function baseOptions(settings: Pick<Settings, 'logging'>) {
  return { level: settings.logging.level, base: { service: 'gatehouse' }, timestamp: pino.stdTimeFunctions.isoTime };
}

/**
 * Standard output, buffered (see `LogSink`): one sink per process, shared by every logger
 * Gatehouse makes for it, so their lines stay in order. Level `silent` writes nothing but
 * still gets a destination.
 */
function stdoutSink(): LogSink {
  return (sharedStdout ??= new LogSink(1));
}
let sharedStdout: LogSink | undefined;

/** The destination of each logger `createLogger` made: request lines are written there by hand (see `requestLines`). */
const destinations = new WeakMap<Logger, DestinationStream>();

/** The fields of one request line (see `logWhenDone`), in the order they are written. */
export interface RequestLineFields {
  reqId: string;
  method: string | undefined;
  path: string;
  status: number;
  ms: number;
  op: string | undefined;
  ip: string | null;
  aborted?: true;
}

/** Writes one request line at `info`, or at `error` for a 5xx answer. */
export type RequestLines = (fields: RequestLineFields) => void;

/**
 * How request lines reach `log`. On a logger `createLogger` made, each line is built by
 * hand, as the same JSON pino would write with Gatehouse's options (`formatRequestLine`),
 * and handed to the logger's destination in one piece: no redaction pass (the fields are
 * fixed and carry no secret), no serializer. On any other logger (yours), `log.info` /
 * `log.error`, so your formatting and redaction apply.
 *
 * @example const lines = requestLines(log); lines({ reqId, method: 'POST', path: '/graphql', status: 200, ms: 1.2, op: 'query me', ip });
 */
export function requestLines(log: Logger): RequestLines {
  const destination = destinations.get(log);
  if (!destination) {
    return (fields) => {
      if (fields.status >= 500) log.error(fields, 'request');
      else log.info(fields, 'request');
    };
  }
  return (fields) => {
    const level = fields.status >= 500 ? 'error' : 'info';
    if (log.isLevelEnabled(level)) destination.write(formatRequestLine(fields, log.levels.values[level], Date.now()));
  };
}

/**
 * One request line as text, exactly as pino writes `log.info(fields, 'request')` with
 * Gatehouse's options (level number, ISO time, `service`; fields left out when undefined).
 * String fields are JSON-escaped; numbers are written as JSON writes them.
 *
 * @example formatRequestLine({ reqId: 'r1', method: 'GET', path: '/healthz', status: 200, ms: 0.4, op: undefined, ip: null }, 30, 0)
 * // '{"level":30,"time":"1970-01-01T00:00:00.000Z","service":"gatehouse","reqId":"r1","method":"GET","path":"/healthz","status":200,"ms":0.4,"ip":null,"msg":"request"}\n'
 */
export function formatRequestLine(fields: RequestLineFields, level: number, now: number): string {
  return (
    `{"level":${level},"time":"${isoTime(now)}","service":"gatehouse","reqId":${JSON.stringify(fields.reqId)}` +
    (fields.method === undefined ? '' : `,"method":${JSON.stringify(fields.method)}`) +
    `,"path":${JSON.stringify(fields.path)},"status":${JSON.stringify(fields.status)},"ms":${JSON.stringify(fields.ms)}` +
    (fields.op === undefined ? '' : `,"op":${JSON.stringify(fields.op)}`) +
    `,"ip":${JSON.stringify(fields.ip)}` +
    (fields.aborted ? ',"aborted":true' : '') +
    ',"msg":"request"}\n'
  );
}

/** The last time written and its ISO text: lines of the same millisecond share one string. */
let lastTime = Number.NaN;
let lastIso = '';
function isoTime(now: number): string {
  if (now !== lastTime) {
    lastIso = new Date(now).toISOString();
    lastTime = now;
  }
  return lastIso;
}
