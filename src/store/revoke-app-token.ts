import { appTokenKey } from '../app-tokens/rules';
import type { StoreDeps } from './deps';
import type { Origin } from './events';
import { dbDate, type Row } from './rows';
import { execute } from './execute';
import { settle } from './settle';
import { statementsEm } from './statements-em';

const REVOKE = "update gatehouse_refresh_token set revoked_at = ? where id = ? and user_id = ? and kind = 'app' and revoked_at is null returning app";

/**
 * `revokeAppToken(id)`: ends one of the user's live app tokens by the id `refreshTokens`
 * lists, in one statement. The access tokens it delegated stop at once, on every instance
 * (the app token's cached state is dropped everywhere). Emits `app_token.revoked`. False for
 * an unknown id, another user's token, a device token or one already revoked.
 *
 * @example
 * const revoked = await revokeAppToken(deps, user.id, appTokenId, origin); // true
 */
export async function revokeAppToken(deps: StoreDeps, userId: string, tokenId: string, origin: Origin): Promise<boolean> {
  const now = deps.clock.now();
  const em = statementsEm(deps.orm);
  const row = (await execute(em, REVOKE, [dbDate(em, now), tokenId, userId], 'get')) as Row | undefined;
  if (!row) return false;
  const app = String(row.app);
  await settle(deps, {
    invalidations: [{ kind: 'app', id: appTokenKey(userId, app) }],
    events: [{ type: 'app_token.revoked', at: now, origin, userId, app }],
  });
  return true;
}
