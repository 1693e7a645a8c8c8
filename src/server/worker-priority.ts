import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';

/**
 * Lowers the CPU priority (raises the nice value) of every thread of this process but the
 * main one: libuv's thread pool, where bcrypt hashes passwords, and V8's helpers. When the
 * cores are busy hashing, the event loop still gets a core at once, so logins in progress
 * do not delay every other request; the hashing still uses every core that is otherwise
 * idle. Linux only (threads are listed in /proc/self/task); elsewhere it does nothing.
 * Resolves to how many threads it changed. Used by `npm start` (`GATEHOUSE_WORKER_NICE`).
 *
 * @example
 * await lowerWorkerThreadPriority(10);
 */
export async function lowerWorkerThreadPriority(nice: number): Promise<number> {
  // libuv starts its whole thread pool on the first request to it: make sure it exists.
  await stat('.').catch(() => undefined);
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let changed = 0;
  for (const tid of tids) {
    const id = Number(tid);
    if (id === process.pid) continue;
    try {
      setPriority(id, nice);
      changed++;
    } catch {
      // not allowed, or the thread is gone: leave it
    }
  }
  return changed;
}
