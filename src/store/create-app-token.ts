import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { appTokenKey } from '../app-tokens/rules';
import { generateRefreshToken, hashRefreshToken } from '../tokens/refresh/opaque';
import type { StoreDeps } from './deps';
import type { Origin } from './events';
import { affected, dbDate } from './rows';
import { execute, onSqlite, transaction } from './execute';
import { settle } from './settle';
import { statementsEm } from './statements-em';

/** An app (long-running) token as the store hands it out; never its key. */
export interface AppTokenView {
  id: string;
  app: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** PostgreSQL: creations for one user queue on the User row (the first lock of every session write). */
const LOCK_USER = 'select id from gatehouse_user where id = ? for update';
const REVOKE_LIVE = "update gatehouse_refresh_token set revoked_at = ? where user_id = ? and kind = 'app' and app = ? and revoked_at is null";
const INSERT = "insert into gatehouse_refresh_token (id, kind, token_hash, user_id, app, orig_iat, created_at) values (?, 'app', ?, ?, ?, ?, ?)";

/** How many times a creation that met another one's new row (the unique index) starts again. */
const MAX_ATTEMPTS = 3;

/**
 * Creates the user's app token for `app` (a valid app name: the caller checks it), revoking
 * the one it replaces, in one transaction. The key is returned once; only its hash is
 * stored. Access tokens delegated from the replaced key stop at once, on every instance.
 * Emits `app_token.created` (with how many it replaced).
 *
 * One live app token per user and app is the database's rule (a partial unique index,
 * `Migration20261202140000`). Concurrent creations for one user, on any instance, queue on
 * the User row (PostgreSQL; SQLite has one writer): each replaces the one before, so the
 * last one stays live and every caller gets its key. A creation that still meets the index
 * (a writer that does not take the lock) starts again, at most `MAX_ATTEMPTS` times.
 *
 * @example
 * const { key, token } = await createAppToken(deps, user.id, 'reporting-job', origin);
 */
export async function createAppToken(deps: StoreDeps, userId: string, app: string, origin: Origin): Promise<{ key: string; token: AppTokenView }> {
  const key = generateRefreshToken('app');
  const now = deps.clock.now();
  const token: AppTokenView = { id: randomUUID(), app, createdAt: new Date(now), lastUsedAt: null };
  const em = statementsEm(deps.orm);
  const at = dbDate(em, now);
  const sqlite = onSqlite(em);
  let replaced = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      replaced = await transaction(em, async (tem) => {
        if (!sqlite) await execute(tem, LOCK_USER, [userId], 'all');
        const count = affected(await execute(tem, REVOKE_LIVE, [at, userId, app], 'run'));
        await execute(tem, INSERT, [token.id, hashRefreshToken(key), userId, app, Math.floor(now / 1000), at], 'run');
        return count;
      });
      break;
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
  await settle(deps, {
    invalidations: [{ kind: 'app', id: appTokenKey(userId, app) }],
    events: [{ type: 'app_token.created', at: now, origin, userId, app, replaced }],
  });
  return { key, token };
}
