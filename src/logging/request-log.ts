import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestLineFields, RequestLines } from './logger';
import { printable } from '../util/printable';

/**
 * Writes the one log line of a request when its response is done (or the connection
 * drops): id, method, path (never the query string, which may carry variables), status,
 * duration, the GraphQL operation when there was one, and the client address (as
 * `TRUST_PROXY` allows reading it), through `lines` (`requestLines(log)`: built by hand on
 * Gatehouse's own logger). `done` hears the same duration, in seconds (the
 * request-duration metric), so a request is timed once.
 *
 * @example
 * // {"level":30,"reqId":"…","method":"POST","path":"/graphql","status":200,"ms":4.2,"op":"mutation tokenAuth","ip":"127.0.0.1","msg":"request"}
 */
export function logWhenDone(
  lines: RequestLines,
  req: IncomingMessage,
  res: ServerResponse,
  about: { requestId: string; ip: string | null; operation: () => string | undefined; done?: (seconds: number) => void },
): void {
  const started = process.hrtime.bigint();
  res.once('close', () => {
    const nanoseconds = Number(process.hrtime.bigint() - started);
    about.done?.(nanoseconds / 1e9);
    const ms = Math.round(nanoseconds / 1e4) / 100;
    const url = req.url ?? '/';
    const question = url.indexOf('?');
    const line: RequestLineFields = {
      reqId: about.requestId,
      method: req.method,
      path: printable(question === -1 ? url : url.slice(0, question), 200),
      status: res.statusCode,
      ms,
      op: about.operation(),
      ip: about.ip,
    };
    if (!res.writableFinished) line.aborted = true;
    lines(line);
  });
}
