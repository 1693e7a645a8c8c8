import autocannon from 'autocannon';
import { readCpuMs } from './rss';

/** What one connection sends and how it judges the answers. */
export interface ConnectionScript {
  headers?: Record<string, string>;
  /** A fixed body, built into the request once. */
  body?: string;
  /** Or a body built before each request (for connections that carry state, like a refresh-token chain). */
  nextBody?: () => string;
  /** Headers built before each request, over `headers` (a new access token on every request). */
  nextHeaders?: () => Record<string, string>;
  /** True when the answer is a success; may update the connection's state. */
  judge(status: number, text: string): boolean;
}

export interface PhaseSpec {
  url: string;
  connections: number;
  seconds: number;
  /** The script of connection `index` (0-based); called once per connection per phase. */
  connection(index: number): ConnectionScript;
  /** Seconds before a request counts as timed out (default 10). */
  timeout?: number;
  /** The server's pid, to measure the CPU time it spends on the load. */
  serverPid?: number;
}

/** The figures of one phase, or of several phases added together. */
export interface Measured {
  /** Answers received (successes and failures). */
  answers: number;
  /** Failed answers (non-200, GraphQL errors, wrong data) plus connection errors and timeouts. */
  errors: number;
  /** Seconds of load. */
  seconds: number;
  /** Latency of every answer, milliseconds. */
  latencies: number[];
  /** `performance.now()` span of the load, for matching RSS samples. */
  windows: Array<[number, number]>;
  /** CPU time the server process used meanwhile, milliseconds (0 when not measured). */
  serverCpuMs: number;
  /** CPU time this process (the load generator) used meanwhile, milliseconds. */
  clientCpuMs: number;
}

export function emptyMeasured(): Measured {
  return { answers: 0, errors: 0, seconds: 0, latencies: [], windows: [], serverCpuMs: 0, clientCpuMs: 0 };
}

/** Adds `more` into `total`. */
export function addMeasured(total: Measured, more: Measured): Measured {
  total.answers += more.answers;
  total.errors += more.errors;
  total.seconds += more.seconds;
  for (const latency of more.latencies) total.latencies.push(latency);
  total.windows.push(...more.windows);
  total.serverCpuMs += more.serverCpuMs;
  total.clientCpuMs += more.clientCpuMs;
  return total;
}

/**
 * Loads a server with autocannon (in this process, not the server's) for `seconds`, each
 * connection following its own script, and counts every answer that is not a success as
 * an error (GraphQL errors inside HTTP 200 answers included).
 */
export function runPhase(spec: PhaseSpec): Promise<Measured> {
  let nextIndex = 0;
  let failures = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const cpuBefore = spec.serverPid ? readCpuMs(spec.serverPid) : null;
  const clientBefore = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.seconds,
        timeout: spec.timeout ?? 10,
        setupClient(client) {
          const script = spec.connection(nextIndex++);
          const onResponse = (status: number, text: string) => {
            if (!script.judge(status, text)) failures++;
          };
          const { nextBody, nextHeaders } = script;
          const headers = { 'content-type': 'application/json', ...(script.headers ?? {}) };
          const dynamic = nextBody !== undefined || nextHeaders !== undefined;
          client.setRequests([
            {
              method: 'POST',
              headers,
              ...(dynamic
                ? {
                    setupRequest: (request: autocannon.Request) => ({
                      ...request,
                      body: nextBody ? nextBody() : (script.body ?? ''),
                      ...(nextHeaders ? { headers: { ...headers, ...nextHeaders() } } : {}),
                    }),
                  }
                : { body: script.body ?? '' }),
              onResponse,
            },
          ]);
        },
      },
      (error, result) => {
        if (error) return reject(error);
        const finished = performance.now();
        const cpuAfter = spec.serverPid ? readCpuMs(spec.serverPid) : null;
        const client = process.cpuUsage(clientBefore);
        resolve({
          answers: result.requests.total,
          errors: failures + result.errors,
          seconds: (finished - started) / 1000,
          latencies,
          windows: [[started, finished]],
          serverCpuMs: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : 0,
          clientCpuMs: (client.user + client.system) / 1000,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
}

/** The q-quantile (0..1) of a list of numbers (nearest rank); NaN for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}
