import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import { clearSealedBefore } from '../store/clear-sealed';
import { affected, dbDate, type Row } from '../store/rows';
import { execute, transaction } from '../store/execute';
import { type Clock, systemClock } from '../util/clock';

export interface Cleared {
  tokens: number;
  devices: number;
  /** Rotated tokens whose sealed successor was cleared (rotated before the grace window). */
  sealed: number;
}

export interface ClearOptions {
  /** What counts as expired: devices whose `expires_at` is at or before this (milliseconds). */
  nowMs: number;
  /** `JWT_REFRESH_REUSE_INTERVAL` (seconds): tokens rotated longer ago lose their sealed successor, as the servers' sweep does. */
  reuseIntervalSeconds: number;
  /** Rows per transaction (default 1000): each batch commits on its own, so a stop loses nothing. */
  batchSize?: number;
  /** Called after every batch with the totals so far. */
  onProgress?(cleared: Cleared): void;
  /** Asked before every batch; true stops after the batch under way (run again to go on). */
  shouldStop?(): boolean;
  /**
   * After every batch, wait this many times as long as the batch took (default 0: never),
   * at most MAX_REST_MS, so that the rotations and logins of a live service keep most of the
   * database: 1 keeps it busy with the clear at most half of the time.
   */
  rest?: number;
  /** Times the batches and waits the rests (default the system clock). */
  clock?: Clock;
}

/** Longest rest after one batch, milliseconds: a batch slowed by a lock does not stall the clear as long again. */
export const MAX_REST_MS = 1000;

const ENDED_DEVICES = 'select id from gatehouse_device where revoked_at is not null limit ?';
const EXPIRED_DEVICES = 'select id from gatehouse_device where expires_at <= ? limit ?';
const REVOKED_TOKENS = 'delete from gatehouse_refresh_token where id in (select id from gatehouse_refresh_token where revoked_at is not null limit ?)';

/**
 * `tokens clear`: deletes ended (revoked or expired) devices with all their tokens, then
 * revoked tokens (app tokens, and what a password change ended), in short transactions of at
 * most `batchSize` rows, so a large backlog never holds a lock for long and rotations carry
 * on beside it. Each batch finds its rows by an index (the partial indexes on `revoked_at`,
 * the one on `expires_at`), so a batch costs the same on a table of ten million rows as on an
 * empty one. Stopping between batches loses nothing: running it again goes on. Rotated
 * tokens of live devices are kept (they are what reuse detection recognises), but lose their
 * sealed successor once rotated before the grace window, as every server's sweep does.
 * With `rest`, it waits after each batch in proportion to the batch's time.
 *
 * @example
 * const cleared = await clearTokens(orm, { nowMs: Date.now(), onProgress: (c) => console.log(c) });
 */
export async function clearTokens(orm: MikroORM, options: ClearOptions): Promise<Cleared & { stopped: boolean }> {
  const batch = options.batchSize ?? 1000;
  const em = orm.em.fork() as unknown as EntityManager;
  const cleared: Cleared = { tokens: 0, devices: 0, sealed: 0 };
  const stop = () => options.shouldStop?.() === true;
  const clock = options.clock ?? systemClock;
  const rest = options.rest ?? 0;
  // Each batch is timed from the end of the previous rest to its own end.
  let batchStarted = clock.now();
  const done = async (): Promise<void> => {
    options.onProgress?.({ ...cleared });
    if (rest > 0) await clock.wait(Math.min(rest * (clock.now() - batchStarted), MAX_REST_MS));
    batchStarted = clock.now();
  };
  for (const [sql, params] of [
    [ENDED_DEVICES, [batch]],
    [EXPIRED_DEVICES, [dbDate(em, options.nowMs), batch]],
  ] as const) {
    for (;;) {
      if (stop()) return { ...cleared, stopped: true };
      const ids = ((await execute(em, sql, [...params])) as Row[]).map((row) => String(row.id));
      if (ids.length === 0) break;
      const marks = ids.map(() => '?').join(', ');
      await transaction(em, async (tem) => {
        cleared.tokens += affected(await execute(tem, `delete from gatehouse_refresh_token where device_id in (${marks})`, ids, 'run'));
        cleared.devices += affected(await execute(tem, `delete from gatehouse_device where id in (${marks})`, ids, 'run'));
      });
      await done();
    }
  }
  for (;;) {
    if (stop()) return { ...cleared, stopped: true };
    const deleted = affected(await execute(em, REVOKED_TOKENS, [batch], 'run'));
    if (deleted === 0) break;
    cleared.tokens += deleted;
    await done();
  }
  const sealedBefore = options.nowMs - options.reuseIntervalSeconds * 1000;
  for (;;) {
    if (stop()) return { ...cleared, stopped: true };
    const sealed = await clearSealedBefore(em, sealedBefore, batch);
    if (sealed === 0) break;
    cleared.sealed += sealed;
    await done();
  }
  return { ...cleared, stopped: false };
}
