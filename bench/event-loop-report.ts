import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The line prefix `npm run bench` looks for on the server's stderr. */
export const EVENT_LOOP_REPORT_PREFIX = 'gatehouse-event-loop ';

export interface EventLoopReport {
  /** Milliseconds; with the 10 ms sampling resolution an idle loop reads about 10. */
  p50: number;
  p99: number;
  max: number;
  mean: number;
  samples: number;
  /** `process.memoryUsage()` at the report, MB: what the RSS is made of. */
  memory?: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
}

function memoryMb(): EventLoopReport['memory'] {
  const usage = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;
  return { rss: mb(usage.rss), heapUsed: mb(usage.heapUsed), heapTotal: mb(usage.heapTotal), external: mb(usage.external), arrayBuffers: mb(usage.arrayBuffers) };
}

/**
 * For `npm run bench` only (installed in the server by `event-loop-hook.ts`): samples the event-loop
 * delay with `perf_hooks.monitorEventLoopDelay`, and on each `SIGUSR2` writes what it saw
 * since the previous signal as one line, `gatehouse-event-loop {"p50":…,"p99":…}` (with
 * the process's memory use, to tell the heap from the rest of the RSS), then starts over. The first signal only starts a window. Returns a function that stops it.
 *
 * @example
 * reportEventLoopDelayOnSignal();
 * // kill -USR2 <pid>  →  stderr: gatehouse-event-loop {"p50":10.1,"p99":10.4,"max":12,"mean":10.1,"samples":498}
 */
export function reportEventLoopDelayOnSignal(write: (line: string) => void = (line) => process.stderr.write(line)): () => void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const report = () => {
    const figures: EventLoopReport = {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      mean: ms(histogram.mean),
      samples: histogram.count,
      memory: memoryMb(),
    };
    write(EVENT_LOOP_REPORT_PREFIX + JSON.stringify(figures) + '\n');
    histogram.reset();
  };
  process.on('SIGUSR2', report);
  return () => {
    process.off('SIGUSR2', report);
    histogram.disable();
  };
}
