import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

/** CPU time (user + system) a process has used so far, milliseconds, from /proc/<pid>/stat; null once it is gone. */
export function readCpuMs(pid: number): number | null {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    ticksPerSecond = 100;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return null;
  }
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
