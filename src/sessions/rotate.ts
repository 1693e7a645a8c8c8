import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Device, RefreshToken } from '../entities';
import { InvalidRefreshToken, type RefreshProblem } from '../errors';
import { audit } from '../logging/audit';
import type { Logger } from '../logging/logger';
import type { Gatehouse } from '../runtime';
import { generateRefreshToken, hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh/opaque';
import { openSuccessor, sealSuccessor } from '../tokens/refresh/successor';
import type { SessionTokens } from './login';
import { issueAccessToken } from './issue';
import { type Rotated, rotateLiveToken } from './rotate-live';
import { userSnapshot } from './snapshots';
import { endDevice } from './devices';
import { nowSeconds } from '../util/clock';

type Outcome =
  | { ok: true; refreshToken: string; token: RefreshToken }
  | { ok: false; problem: RefreshProblem; endedDevice?: string; userId?: string };

/** Thrown inside the transaction to roll it back (nothing it wrote may stay) and report a problem. */
class Refused {
  constructor(readonly problem: RefreshProblem) {}
}

/** How many grace-window successors a repeat may follow to the live end of a chain. */
const MAX_CHAIN_STEPS = 32;

/**
 * Rotates a device refresh token (`refreshToken(refreshToken:)`), in one transaction.
 *
 * Locking, the same on every database: the transaction's first statement is a conditional
 * write on the token's Device row (`revokedAt IS NULL`), which slides its expiry. On
 * PostgreSQL that takes the device's row lock, so every rotation, repeat and reuse check of
 * one device session runs one after the other, and a logout or password change that revoked
 * the device first makes it match no row. On SQLite a first statement that writes takes the
 * database write lock before reading anything, waiting on `busy_timeout` (a deferred
 * transaction that read first could only fail with SQLITE_BUSY when a second process on the
 * same file wrote in between). Only then is the token read, fresh, and claimed by an atomic
 * conditional update (`usedAt IS NULL`) as a second guard; its successor is inserted for the
 * same device. Lock order is Device, then RefreshToken, as in `endDevice` and the password
 * change (which takes the User row before both), so none of them can deadlock another.
 *
 * A repeat inside `JWT_REFRESH_REUSE_INTERVAL` gets the live end of the token's successor
 * chain (each successor is kept sealed under the token it replaced, so only a holder of the
 * old token can open it); a repeat after it ends the whole device session (`REUSED`).
 *
 * @example
 * const session = await rotateDeviceToken(gh, em, 'ghd_…'); // session.refreshToken is the successor
 */
export async function rotateDeviceToken(gh: Gatehouse, em: EntityManager, presented: string, log: Logger = gh.log): Promise<SessionTokens> {
  if (!looksLikeRefreshToken(presented)) throw new InvalidRefreshToken('UNKNOWN');
  // The common case (a live, unused token) takes the lean path; everything else the full one.
  const rotated = (await rotateLiveToken(gh, em, presented)) ?? (await rotateAnyToken(gh, em, presented, log));
  const { refreshToken, device, user } = rotated;
  // The device's expiry just slid: this process reads it afresh on its next use. Nothing
  // ended, so nothing is published to other instances (their view is at most
  // JWT_SESSION_CACHE_TTL old, and only about an expiry that moved later). Nothing read here
  // is cached: a logout or password change published meanwhile must not be overwritten.
  gh.sessions.apply({ kind: 'device', id: device.id });
  const now = nowSeconds();
  const access = await issueAccessToken(gh, user, { origIat: rotated.origIat, sid: device.id }, now);
  return { access, refreshToken, device, user };
}

/** The full path: any token, in one transaction that takes the device lock first. */
async function rotateAnyToken(gh: Gatehouse, em: EntityManager, presented: string, log: Logger): Promise<Rotated> {
  const tokenHash = hashRefreshToken(presented);
  // Which device? Read outside the transaction, so an unknown token takes no lock at all.
  const seen = await em.findOne(RefreshToken, { tokenHash }, { disableIdentityMap: true });
  const deviceId = seen?.kind === 'device' && seen.device ? seen.device.id : null;
  if (!deviceId) throw new InvalidRefreshToken('UNKNOWN');

  let outcome: Outcome;
  try {
    outcome = await em.transactional((tem) => rotateInTransaction(gh, tem, tokenHash, presented, deviceId));
  } catch (error) {
    if (error instanceof Refused) throw new InvalidRefreshToken(error.problem);
    throw error;
  }
  if (!outcome.ok) {
    if (outcome.endedDevice) gh.sessions.forgetDevice(outcome.endedDevice);
    if (outcome.problem === 'REUSED') audit(log, 'refresh.reused', { userId: outcome.userId, deviceId: outcome.endedDevice, reason: 'REUSED' });
    throw new InvalidRefreshToken(outcome.problem);
  }
  const { token, refreshToken } = outcome;
  return { refreshToken, device: token.device!, user: userSnapshot(token.user), origIat: token.origIat };
}

async function rotateInTransaction(gh: Gatehouse, em: EntityManager, tokenHash: string, presented: string, deviceId: string): Promise<Outcome> {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + gh.settings.refreshExpirationDelta * 1000);
  const touched = await em.nativeUpdate(
    Device,
    { id: deviceId, revokedAt: null, expiresAt: { $gt: now } },
    { lastSeenAt: now, expiresAt },
  );
  const current = await em.findOne(RefreshToken, { tokenHash }, { populate: ['device', 'user'], refresh: true });
  if (!current || current.kind !== 'device' || current.device?.id !== deviceId) throw new Refused('UNKNOWN');
  const problem = liveness(current, now);
  if (problem) throw new Refused(problem);
  if (touched !== 1) throw new Refused('REVOKED');

  if (current.usedAt === null) {
    const successor = generateRefreshToken('device');
    const successorId = randomUUID();
    const claimed = await em.nativeUpdate(
      RefreshToken,
      { id: current.id, usedAt: null, revokedAt: null },
      { usedAt: now, replacedById: successorId, sealedSuccessor: sealSuccessor(successor, presented) },
    );
    // The device lock already orders rotations of one device; the conditional update is a
    // second guard (e.g. against code that claims tokens without taking the device first).
    if (claimed !== 1) throw new Refused('REVOKED');
    const token = em.create(RefreshToken, {
      id: successorId,
      kind: 'device',
      tokenHash: hashRefreshToken(successor),
      user: current.user,
      device: current.device,
      origIat: current.origIat,
      createdAt: now,
    });
    await em.flush();
    return { ok: true, refreshToken: successor, token };
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

/**
 * An already-rotated token: inside the grace window, the live end of its successor chain
 * (a client whose other tab has already rotated the successor too still lands on the one
 * live token); after it, reuse (theft) detection ends the device session.
 */
async function repeat(gh: Gatehouse, em: EntityManager, used: RefreshToken, presented: string, now: Date): Promise<Outcome> {
  // Measured now, not at the transaction's start: a request that waited for the device lock
  // must not look earlier than the rotation it waited for. A window of 0 means no grace at all.
  const window = gh.settings.refreshReuseInterval * 1000;
  const withinGrace = window > 0 && Date.now() - used.usedAt!.getTime() <= window;
  if (!withinGrace) {
    await endDevice(em, used.device!.id, now);
    return { ok: false, problem: 'REUSED', endedDevice: used.device!.id, userId: used.user.id };
  }
  let link: RefreshToken = used;
  let text = presented;
  for (let step = 0; step < MAX_CHAIN_STEPS; step++) {
    const next = link.sealedSuccessor && link.replacedById ? openSuccessor(link.sealedSuccessor, text) : null;
    if (!next) break;
    const successor = await em.findOne(RefreshToken, { id: link.replacedById! }, { populate: ['device', 'user'], refresh: true });
    if (!successor || successor.revokedAt) break;
    if (successor.usedAt === null) return { ok: true, refreshToken: next, token: successor };
    link = successor;
    text = next;
  }
  throw new Refused('REVOKED');
}
