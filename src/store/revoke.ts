import { appTokenKey } from '../app-tokens/rules';
import { hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh/opaque';
import type { StoreDeps } from './deps';
import { endDevices } from './end-devices';
import type { Origin } from './events';
import { affected, dbDate, type Row } from './rows';
import { execute, transaction } from './execute';
import { type Settlement, settle } from './settle';
import { statementsEm } from './statements-em';

const FIND = 'select id, kind, user_id, device_id, app, used_at from gatehouse_refresh_token where token_hash = ? and revoked_at is null';
const REVOKE_APP_TOKEN = 'update gatehouse_refresh_token set revoked_at = ? where id = ? and revoked_at is null';

/**
 * `revokeRefreshToken`: possession of a token is the right to revoke it. A live device token
 * ends its whole device session (`session.ended`, reason `revoked`); an app token is revoked,
 * and with it the access tokens it gave out (`app_token.revoked`). Returns 1, or 0 for an
 * unknown, already revoked or already rotated token (idempotent, as RFC 7009 asks).
 *
 * @example
 * const revoked = await revokeRefreshToken(deps, 'ghd_…', origin); // 1
 */
export async function revokeRefreshToken(deps: StoreDeps, presented: string, origin: Origin): Promise<0 | 1> {
  if (!looksLikeRefreshToken(presented)) return 0;
  const now = deps.clock.now();
  const em = statementsEm(deps.orm);
  const settlement = await transaction(em, async (tem): Promise<Settlement | null> => {
    const token = (await execute(tem, FIND, [hashRefreshToken(presented)], 'get')) as Row | undefined;
    if (!token || token.used_at != null) return null;
    const userId = String(token.user_id);
    if (token.kind === 'app') {
      if (affected(await execute(tem, REVOKE_APP_TOKEN, [dbDate(tem, now), token.id], 'run')) !== 1) return null;
      const app = String(token.app);
      return { invalidations: [{ kind: 'app', id: appTokenKey(userId, app) }], events: [{ type: 'app_token.revoked', at: now, origin, userId, app }] };
    }
    const [deviceId] = await endDevices(tem, { kind: 'one', userId, deviceId: String(token.device_id) }, now);
    if (!deviceId) return null;
    return { invalidations: [{ kind: 'device', id: deviceId }], events: [{ type: 'session.ended', at: now, origin, userId, deviceId, reason: 'revoked' }] };
  });
  if (!settlement) return 0;
  await settle(deps, settlement);
  return 1;
}
