import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface RssSample {
  /** `performance.now()` milliseconds. */
  at: number;
  /** Resident set size, bytes. */
  rss: number;
}

/** Reads a process's `VmRSS` and `VmHWM` (peak) from /proc, in bytes; null once it is gone. */
export function readMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return null;
  }
}

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** The fields of /proc/<pid>/stat after the command name (which is in parentheses and may hold spaces), and that name. */
function statFields(pid: number | string): { command: string; fields: string[] } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const close = stat.lastIndexOf(')');
  return { command: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
}

/** CPU time (user + system) a process has used so far, milliseconds, from /proc/<pid>/stat; null once it is gone. */
export function readCpuMs(pid: number): number | null {
  const ticks = clockTicksPerSecond();
  try {
    // utime is the 14th field of the line, stime the 15th.
    const { fields } = statFields(pid);
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system, with that of their ended children) of every process named
 * `command` (`postgres`: the server, its backends and helpers), milliseconds. Linux only.
 * Ended children count through their parent's `cutime`/`cstime` once reaped (PostgreSQL's
 * backends are the postmaster's), so a load may open and close connections in between.
 *
 * @example const before = commandCpuMs('postgres'); … ; const used = commandCpuMs('postgres') - before;
 */
export function commandCpuMs(command: string): number {
  const ticks = clockTicksPerSecond();
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { command: name, fields } = statFields(entry);
      // utime, stime, cutime, cstime: the 14th to 17th fields.
      if (name === command) total += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // gone meanwhile
    }
  }
  return (total * 1000) / ticks;
}

/**
 * Samples a process's RSS every `intervalMs` from /proc/<pid>/status (Linux), so each
 * phase can report its own peak and a long run can be checked for growth.
 */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastHwm = 0;

  constructor(readonly pid: number, intervalMs = 200) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const memory = readMemory(this.pid);
    if (!memory) return;
    this.samples.push({ at: performance.now(), rss: memory.rss });
    this.lastHwm = memory.hwm;
  }

  /** The highest sampled RSS between two `performance.now()` times (bytes); 0 if none. */
  peakBetween(from: number, to: number): number {
    let peak = 0;
    for (const s of this.samples) if (s.at >= from && s.at <= to && s.rss > peak) peak = s.rss;
    return peak;
  }

  /** The kernel's lifetime peak (VmHWM) at the last sample, bytes. */
  get highWaterMark(): number {
    return this.lastHwm;
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}
