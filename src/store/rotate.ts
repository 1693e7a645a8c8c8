import { randomUUID } from 'node:crypto';
import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import { InvalidRefreshToken, type RefreshProblem } from '../errors';
import type { UserSnapshot } from '../sessions/cache';
import { generateRefreshToken, hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh/opaque';
import { openSuccessor, sealSuccessor } from '../tokens/refresh/successor';
import { decideRotation, type RotationState } from './decide-rotation';
import type { StoreDeps } from './deps';
import { endDevices } from './end-devices';
import type { Origin } from './events';
import { dbDate, DEVICE_COLUMNS, deviceFromRow, type DeviceView, msOf, type Row, selectList, USER_COLUMNS, userFromRow } from './rows';
import { execute } from './execute';
import { writeRotation } from './rotation-write';
import { settle } from './settle';

/** A rotation that happened: the live refresh token and what the new access token needs. */
export interface Rotation {
  refreshToken: string;
  device: DeviceView;
  user: UserSnapshot;
  origIat: number;
  outcome: 'rotated' | 'grace';
}

/** How many grace-window successors a repeat may follow to the live end of a chain. */
const MAX_CHAIN_STEPS = 32;
/** How many times a rotation that lost a race reads the token again (the second read always decides). */
const MAX_ATTEMPTS = 3;

/** The presented token with its device and user, by hash: everything the rule decides on, in one query. */
const READ =
  'select t.id as t_id, t.kind as t_kind, t.orig_iat as t_orig_iat, t.used_at as t_used_at, t.revoked_at as t_revoked_at, ' +
  't.replaced_by_id as t_replaced_by_id, t.sealed_successor as t_sealed_successor, ' +
  `${selectList('d', 'd_', DEVICE_COLUMNS)}, ${selectList('u', 'u_', USER_COLUMNS)} ` +
  'from gatehouse_refresh_token t join gatehouse_user u on u.id = t.user_id left join gatehouse_device d on d.id = t.device_id ' +
  'where t.token_hash = ?';

const READ_LINK = 'select id, used_at, revoked_at, replaced_by_id, sealed_successor from gatehouse_refresh_token where id = ?';

function stateOf(row: Row | undefined): RotationState | null {
  if (!row) return null;
  return {
    kind: row.t_kind === 'app' ? 'app' : 'device',
    usedAt: msOf(row.t_used_at),
    revoked: row.t_revoked_at != null,
    device: row.d_id == null ? null : { revoked: row.d_revoked_at != null, expiresAt: msOf(row.d_expires_at)! },
    userActive: Boolean(row.u_is_active),
  };
}

/**
 * Rotates a device refresh token (`refreshToken(refreshToken:)`). The rule is
 * `decideRotation`; this is its I/O:
 *
 * - **rotate**: `writeRotation` slides the device's expiry, claims the token by a
 *   conditional update and inserts its successor (sealed under the presented token for the
 *   grace window), all or nothing. If a guard finds the state changed since the read (a
 *   concurrent rotation, a logout), nothing is kept and the token is read and decided again.
 * - **grace**: the live end of the token's successor chain, opened with the presented token.
 * - **reuse**: the device session ends (one transaction), as a `session.ended` event with
 *   reason `reused`.
 *
 * A successful rotation publishes nothing: nothing ended, and the device's expiry only moved
 * later; this process drops its cached device so its next check reads the new expiry.
 *
 * @example
 * const { refreshToken, device, user } = await rotate(deps, 'ghd_…', { requestId });
 */
export async function rotate(deps: StoreDeps, presented: string, origin: Origin): Promise<Rotation> {
  if (!looksLikeRefreshToken(presented)) throw refused(deps, 'UNKNOWN', origin);
  const tokenHash = hashRefreshToken(presented);
  const em = deps.orm.em.fork() as unknown as EntityManager;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const [row] = (await execute(em, READ, [tokenHash])) as Row[];
    const now = deps.clock.now();
    const decision = decideRotation(stateOf(row), now, deps.settings.sessions.reuseInterval * 1000);
    switch (decision.action) {
      case 'refuse':
        throw refused(deps, decision.problem, origin);
      case 'rotate': {
        const rotation = await claim(deps, em, row, presented, now);
        if (!rotation) continue;
        deps.sessions.apply({ kind: 'device', id: rotation.device.id });
        deps.events.emit({ type: 'session.refreshed', at: now, origin, userId: rotation.user.id, deviceId: rotation.device.id, outcome: 'rotated' });
        return rotation;
      }
      case 'grace': {
        const live = await liveEnd(em, row, presented);
        if (!live) throw refused(deps, 'REVOKED', origin);
        const device = deviceFromRow(row);
        const user = userFromRow(row);
        deps.events.emit({ type: 'session.refreshed', at: now, origin, userId: user.id, deviceId: device.id, outcome: 'grace' });
        return { refreshToken: live, device, user, origIat: Number(row.t_orig_iat), outcome: 'grace' };
      }
      case 'reuse': {
        const userId = String(row.u_id);
        const deviceId = String(row.d_id);
        const ended = await em.transactional((tem) => endDevices(tem, { kind: 'one', userId, deviceId }, now));
        if (ended.length === 0) throw refused(deps, 'REVOKED', origin);
        await settle(deps, {
          invalidations: [{ kind: 'device', id: deviceId }],
          events: [{ type: 'session.ended', at: now, origin, userId, deviceId, reason: 'reused' }],
        });
        throw refused(deps, 'REUSED', origin);
      }
    }
  }
  throw refused(deps, 'REVOKED', origin);
}

function refused(deps: StoreDeps, problem: RefreshProblem, origin: Origin): InvalidRefreshToken {
  deps.events.emit({ type: 'refresh.refused', at: deps.clock.now(), origin, reason: problem });
  return new InvalidRefreshToken(problem);
}

/** The rotate branch: the write (see `writeRotation`); null when it lost a race (nothing kept). */
async function claim(deps: StoreDeps, em: EntityManager, row: Row, presented: string, now: number): Promise<Rotation | null> {
  const successor = generateRefreshToken('device');
  const successorId = randomUUID();
  const expiresAt = now + deps.settings.tokens.refreshLifetime * 1000;
  const userId = String(row.u_id);
  const deviceId = String(row.d_id);
  const origIat = Number(row.t_orig_iat);
  const written = await writeRotation(em, {
    tokenId: row.t_id,
    deviceId,
    userId,
    origIat,
    successorId,
    successorHash: hashRefreshToken(successor),
    sealed: sealSuccessor(successor, presented),
    at: dbDate(em, now),
    expiresAt: dbDate(em, expiresAt),
  });
  if (!written) return null;
  const device = { ...deviceFromRow(row), lastSeenAt: new Date(now), expiresAt: new Date(expiresAt) };
  return { refreshToken: successor, device, user: userFromRow(row), origIat, outcome: 'rotated' };
}

/**
 * The live end of a used token's successor chain: each successor is sealed under the token
 * it replaced, so only a holder of `presented` can open the next one. Null when the chain
 * ends in a revoked token or cannot be opened.
 */
async function liveEnd(em: EntityManager, row: Row, presented: string): Promise<string | null> {
  let link = { replacedById: row.t_replaced_by_id, sealed: row.t_sealed_successor };
  let text = presented;
  for (let step = 0; step < MAX_CHAIN_STEPS; step++) {
    const next = typeof link.sealed === 'string' && link.replacedById ? openSuccessor(link.sealed, text) : null;
    if (!next) return null;
    const [successor] = (await execute(em, READ_LINK, [link.replacedById])) as Row[];
    if (!successor || successor.revoked_at != null) return null;
    if (successor.used_at == null) return next;
    link = { replacedById: successor.replaced_by_id, sealed: successor.sealed_successor };
    text = next;
  }
  return null;
}
