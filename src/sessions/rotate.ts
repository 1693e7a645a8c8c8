import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Device, RefreshToken } from '../entities';
import { InvalidRefreshToken, type RefreshProblem } from '../errors';
import type { Gatehouse } from '../runtime';
import { generateRefreshToken, hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh/opaque';
import { openSuccessor, sealSuccessor } from '../tokens/refresh/successor';
import type { SessionTokens } from './login';
import { issueAccessToken } from './issue';
import { type Rotated, rotateLiveToken } from './rotate-live';
import { userSnapshot } from './snapshots';

type Outcome =
  | { ok: true; refreshToken: string; token: RefreshToken }
  | { ok: false; problem: RefreshProblem; endedDevice?: string };

/**
 * Rotates a device refresh token (`refreshToken(refreshToken:)`), in one transaction:
 * the presented token is marked used by an atomic conditional update (the database is the
 * arbiter between concurrent refreshes and between instances), its successor is inserted
 * for the same device, and the device's expiry slides. A repeat inside
 * `JWT_REFRESH_REUSE_INTERVAL` gets the same successor (kept sealed under the old token);
 * a repeat after it ends the whole device session (`REUSED`).
 */
export async function rotateDeviceToken(gh: Gatehouse, em: EntityManager, presented: string): Promise<SessionTokens> {
  if (!looksLikeRefreshToken(presented)) throw new InvalidRefreshToken('UNKNOWN');
  // The common case (a live, unused token) takes the lean path; everything else this one.
  const rotated = (await rotateLiveToken(gh, em, presented)) ?? (await rotateAnyToken(gh, em, presented));
  const { refreshToken, device, user } = rotated;
  gh.sessions.rememberUser(user);
  gh.sessions.forgetDevice(device.id);
  const now = Math.floor(Date.now() / 1000);
  const access = await issueAccessToken(gh, user, { origIat: rotated.origIat, sid: device.id }, now);
  return { access, refreshToken, device, user };
}

async function rotateAnyToken(gh: Gatehouse, em: EntityManager, presented: string): Promise<Rotated> {
  const outcome = await em.transactional((tem) => rotateInTransaction(gh, tem, presented));
  if (!outcome.ok) {
    if (outcome.endedDevice) gh.sessions.forgetDevice(outcome.endedDevice);
    throw new InvalidRefreshToken(outcome.problem);
  }
  const { token, refreshToken } = outcome;
  return { refreshToken, device: token.device!, user: userSnapshot(token.user), origIat: token.origIat };
}

async function rotateInTransaction(gh: Gatehouse, em: EntityManager, presented: string): Promise<Outcome> {
  const tokenHash = hashRefreshToken(presented);
  const find = () =>
    em.findOne(RefreshToken, { tokenHash }, { populate: ['device', 'user'], refresh: true });
  let current = await find();
  if (!current || current.kind !== 'device' || !current.device) return { ok: false, problem: 'UNKNOWN' };

  const now = new Date();
  const problem = liveness(current, now);
  if (problem) return { ok: false, problem };

  if (current.usedAt === null) {
    const successor = generateRefreshToken('device');
    const successorId = randomUUID();
    const claimed = await em.nativeUpdate(
      RefreshToken,
      { id: current.id, usedAt: null, revokedAt: null },
      { usedAt: now, replacedById: successorId, sealedSuccessor: sealSuccessor(successor, presented) },
    );
    if (claimed === 1) {
      const device = current.device;
      device.lastSeenAt = now;
      device.expiresAt = new Date(now.getTime() + gh.settings.refreshExpirationDelta * 1000);
      const token = em.create(RefreshToken, {
        id: successorId,
        kind: 'device',
        tokenHash: hashRefreshToken(successor),
        user: current.user,
        device,
        origIat: current.origIat,
        createdAt: now,
      });
      await em.flush();
      return { ok: true, refreshToken: successor, token };
    }
    // Another refresh of the same token won the race (and has committed): read its result.
    current = await find();
    if (!current || current.usedAt === null) return { ok: false, problem: 'UNKNOWN' };
    const problemAfterRace = liveness(current, now);
    if (problemAfterRace) return { ok: false, problem: problemAfterRace };
  }
  return repeat(gh, em, current, presented, now);
}

/** Why a token (and its device and user) can no longer be used, if it cannot. */
function liveness(token: RefreshToken, now: Date): RefreshProblem | null {
  const device = token.device!;
  if (token.revokedAt || device.revokedAt || !token.user.isActive) return 'REVOKED';
  if (device.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return null;
}

/** An already-rotated token: the grace-window successor, or reuse (theft) detection. */
async function repeat(gh: Gatehouse, em: EntityManager, used: RefreshToken, presented: string, now: Date): Promise<Outcome> {
  const withinGrace = now.getTime() - used.usedAt!.getTime() <= gh.settings.refreshReuseInterval * 1000;
  const successorText = withinGrace && used.sealedSuccessor ? openSuccessor(used.sealedSuccessor, presented) : null;
  if (successorText && used.replacedById) {
    const successor = await em.findOne(RefreshToken, { id: used.replacedById }, { populate: ['device', 'user'], refresh: true });
    if (successor && !successor.revokedAt) return { ok: true, refreshToken: successorText, token: successor };
    return { ok: false, problem: 'REVOKED' };
  }
  await endDevice(em, used.device!.id, now);
  return { ok: false, problem: 'REUSED', endedDevice: used.device!.id };
}

/** Ends a device session: the device and every refresh token of it are revoked. */
export async function endDevice(em: EntityManager, deviceId: string, now = new Date()): Promise<boolean> {
  const ended = await em.nativeUpdate(Device, { id: deviceId, revokedAt: null }, { revokedAt: now });
  await em.nativeUpdate(RefreshToken, { device: deviceId, revokedAt: null }, { revokedAt: now, sealedSuccessor: null });
  return ended === 1;
}
