/**
 * Preloaded into the Gatehouse server by `npm run bench`, so the server carries no benchmark
 * switch: installs the SIGUSR2 event-loop delay report (`event-loop-report.ts`) before the
 * server's own code runs.
 *
 * @example
 * node --require dist/bench/event-loop-hook.js dist/src/server/main.js
 * // kill -USR2 <pid>  →  stderr: gatehouse-event-loop {"p50":10.1,"p99":10.4,…}
 */
import { reportEventLoopDelayOnSignal } from './event-loop-report';

reportEventLoopDelayOnSignal();
