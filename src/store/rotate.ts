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
import { dateOf, dbDate, deviceFromRow, type DeviceView, msOf, type Row, userFromRow } from './rows';
import { slideThresholds, slideTiming } from './slide';
import { attemptRotation } from './rotation-write';
import { execute, transaction } from './execute';
import { settle } from './settle';
import { statementsEm } from './statements-em';

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

const READ_LINK = 'select id, token_hash, used_at, revoked_at, replaced_by_id, sealed_successor from gatehouse_refresh_token where id = ?';

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
 * - **rotate**: `attemptRotation` slides the device's expiry when due (`./slide.ts`), claims
 *   the token by a conditional update and inserts its successor (sealed under the presented
 *   token for the grace window), all or nothing, in the same statement as the read. If a
 *   guard finds the state changed (a concurrent rotation, a logout), nothing is kept and the
 *   token is read and decided again.
 * - **grace**: the live end of the token's successor chain, opened with the presented token.
 * - **reuse**: the device session ends (one transaction), as a `session.ended` event with
 *   reason `reused`.
 *
 * A successful rotation publishes nothing: nothing ended, and the device's expiry only moved
 * later; when it moved, this process drops its cached device so its next check reads it.
 *
 * @example
 * const { refreshToken, device, user } = await rotate(deps, 'ghd_…', { requestId });
 */
export async function rotate(deps: StoreDeps, presented: string, origin: Origin): Promise<Rotation> {
  if (!looksLikeRefreshToken(presented)) throw refused(deps, 'UNKNOWN', origin);
  const tokenHash = hashRefreshToken(presented);
  const em = statementsEm(deps.orm);
  const graceMs = deps.settings.sessions.reuseInterval * 1000;
  const timing = slideTiming(deps.settings);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    const successor = generateRefreshToken('device');
    const due = slideThresholds(now, timing);
    const prepared = {
      tokenHash,
      successorId: randomUUID(),
      successorHash: hashRefreshToken(successor),
      sealed: sealSuccessor(successor, presented),
      at: dbDate(em, now),
      expiresAt: dbDate(em, now + timing.lifetimeMs),
      lastSeenBefore: dbDate(em, due.lastSeenBefore),
      expiresBefore: dbDate(em, due.expiresBefore),
    };
    const { row, written } = await attemptRotation(em, prepared);
    // A written rotation stands: its guards checked the rows as they are now, on PostgreSQL
    // after waiting for the device's lock, so they can only be newer than the statement's
    // snapshot (e.g. a device an @auth request slid just before it expired).
    const decision = written ? ({ action: 'rotate' } as const) : decideRotation(stateOf(row), now, graceMs);
    switch (decision.action) {
      case 'refuse':
        throw refused(deps, decision.problem, origin);
      case 'rotate': {
        if (!written) continue; // lost a race: read and decide again
        const rotation: Rotation = {
          refreshToken: successor,
          device: { ...deviceFromRow(row!), lastSeenAt: dateOf(row!.n_last_seen_at), expiresAt: dateOf(row!.n_expires_at) },
          user: userFromRow(row!),
          origIat: Number(row!.t_orig_iat),
          outcome: 'rotated',
        };
        // The device slid (its expiry was due, `./slide.ts`): this process reads it afresh next time.
        if (msOf(row!.n_expires_at) !== msOf(row!.d_expires_at)) deps.sessions.apply({ kind: 'device', id: rotation.device.id });
        deps.events.emit({ type: 'session.refreshed', at: now, origin, userId: rotation.user.id, deviceId: rotation.device.id, outcome: 'rotated' });
        return rotation;
      }
      case 'grace': {
        const live = await liveEnd(em, row!, presented);
        if (!live) throw refused(deps, 'REVOKED', origin);
        const device = deviceFromRow(row!);
        const user = userFromRow(row!);
        deps.events.emit({ type: 'session.refreshed', at: now, origin, userId: user.id, deviceId: device.id, outcome: 'grace' });
        return { refreshToken: live, device, user, origIat: Number(row!.t_orig_iat), outcome: 'grace' };
      }
      case 'reuse': {
        const userId = String(row!.u_id);
        const deviceId = String(row!.d_id);
        const ended = await transaction(em, (tem) => endDevices(tem, { kind: 'one', userId, deviceId }, now));
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

/**
 * The live end of a used token's successor chain: each successor is sealed under the token
 * it replaced, so only a holder of `presented` can open the next one, and what opens counts
 * only if it hashes to the successor's stored hash. Null when the chain ends in a revoked
 * token or cannot be opened.
 */
async function liveEnd(em: EntityManager, row: Row, presented: string): Promise<string | null> {
  let link = { replacedById: row.t_replaced_by_id, sealed: row.t_sealed_successor };
  let text = presented;
  for (let step = 0; step < MAX_CHAIN_STEPS; step++) {
    const next = typeof link.sealed === 'string' && link.replacedById ? openSuccessor(link.sealed, text) : null;
    if (!next) return null;
    const successor = (await execute(em, READ_LINK, [link.replacedById], 'get')) as Row | undefined;
    if (!successor || successor.revoked_at != null || successor.token_hash !== hashRefreshToken(next)) return null;
    if (successor.used_at == null) return next;
    link = { replacedById: successor.replaced_by_id, sealed: successor.sealed_successor };
    text = next;
  }
  return null;
}
