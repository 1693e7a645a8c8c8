import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import type { StoreDeps } from './deps';
import { affected, dbDate } from './rows';
import { execute } from './execute';
import { statementsEm } from './statements-em';

const CLEAR = 'update gatehouse_refresh_token set sealed_successor = null where sealed_successor is not null and used_at <= ?';
const CLEAR_BATCH =
  'update gatehouse_refresh_token set sealed_successor = null where id in ' +
  '(select id from gatehouse_refresh_token where sealed_successor is not null and used_at <= ? limit ?)';

/**
 * Clears the sealed successors of refresh tokens rotated before the grace window
 * (`JWT_REFRESH_REUSE_INTERVAL`): a repeat of such a token is reuse (theft), never answered
 * with its successor, so the sealed copy serves nothing any more; left in place, a copy of
 * the database and any old token of the chain (a backup, a HAR file) would open the chain
 * up to the live token offline. One statement over a partial index of the tokens that
 * still hold one (`gatehouse_refresh_token_sealed_index`), so it is cheap when there is
 * little to clear. Run by every instance every grace window (`startSealSweeper`) and by
 * `gatehouse tokens clear`. Returns how many it cleared.
 *
 * @example
 * await clearSealedSuccessors(deps); // 0 when nothing older than the window holds one
 */
export async function clearSealedSuccessors(deps: Pick<StoreDeps, 'orm' | 'clock' | 'settings'>): Promise<number> {
  return clearSealedBefore(statementsEm(deps.orm), deps.clock.now() - deps.settings.sessions.reuseInterval * 1000);
}

/**
 * The statement of `clearSealedSuccessors`: tokens rotated at or before `beforeMs` lose
 * their sealed successor; with `limit`, at most that many (one batch of `tokens clear`).
 */
export async function clearSealedBefore(em: EntityManager, beforeMs: number, limit?: number): Promise<number> {
  if (limit === undefined) return affected(await execute(em, CLEAR, [dbDate(em, beforeMs)], 'run'));
  return affected(await execute(em, CLEAR_BATCH, [dbDate(em, beforeMs), limit], 'run'));
}

/** How often each instance clears sealed successors: every grace window, within 1 s to 60 s. */
export function sealSweepInterval(reuseIntervalSeconds: number): number {
  return Math.min(60_000, Math.max(1_000, reuseIntervalSeconds * 1000));
}

/**
 * Starts clearing sealed successors every `sealSweepInterval` (an unref'd timer: it keeps
 * no process alive; one sweep at a time). A sweep that fails (the database away) is
 * reported through `warn` and tried again at the next tick. Returns the function that stops it.
 *
 * @example
 * const stop = startSealSweeper(() => store.clearSealedSuccessors(), 10, warn);
 */
export function startSealSweeper(sweep: () => Promise<number>, reuseIntervalSeconds: number, warn: (message: string) => void): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch((error: unknown) => warn(`gatehouse: could not clear sealed successors (${error instanceof Error ? error.message : String(error)})`))
      .finally(() => {
        running = false;
      });
  }, sealSweepInterval(reuseIntervalSeconds));
  timer.unref();
  return () => clearInterval(timer);
}
