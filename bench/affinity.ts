import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/** The CPUs a process may run on, in taskset's list form: all of them. */
const ALL = () => `0-${cpus().length - 1}`;

/** Sets the CPUs of every thread of a process with `taskset`; false when that fails (no taskset, not Linux). */
function setAffinity(pid: number, list: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', list, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `work` with the servers' threads on CPU 1 (several servers when their loads
 * alternate, as the bare Apollo Server and Gatehouse do: only one is busy at a time) and this process's (the load generator's)
 * on CPU 0, then lets both use every CPU again. On a 2-core machine the two otherwise
 * share both cores, and the scheduler moving them around adds noise that differs from
 * scenario to scenario (a scenario with bigger requests makes the load generator busier).
 * Pinned, each side has a core of its own, as on separate machines. Does nothing (and
 * says so) with fewer than 2 CPUs or without `taskset`.
 */
export async function pinned<T>(serverPids: number | number[], work: () => Promise<T>): Promise<{ result: T; pinned: boolean }> {
  const pids = Array.isArray(serverPids) ? serverPids : [serverPids];
  const server = cpus().length >= 2 && pids.every((pid) => setAffinity(pid, '1'));
  const pinned = server && setAffinity(process.pid, '0');
  // Both sides or neither: a server left on CPU 1 alone would stay there for the next scenarios too.
  if (!pinned) for (const pid of pids) setAffinity(pid, ALL());
  try {
    return { result: await work(), pinned };
  } finally {
    if (pinned) {
      setAffinity(process.pid, ALL());
      for (const pid of pids) setAffinity(pid, ALL());
    }
  }
}
