import { randomUUID } from 'node:crypto';
import { generateRefreshToken, hashRefreshToken } from '../tokens/refresh/opaque';
import type { StoreDeps } from './deps';
import { endDevices } from './end-devices';
import type { Origin } from './events';
import { affected, dbDate, type DeviceView } from './rows';
import { execute, transaction } from './execute';
import { settle } from './settle';
import { statementsEm } from './statements-em';

export interface NewSession {
  userId: string;
  username: string;
  /** The password hash the caller just checked: the session starts only if it is still the user's. */
  passwordHash: string;
  deviceName: string;
  userAgent: string | null;
  /** When the session starts (milliseconds; the caller's clock reading, after any wait for a valid second). */
  at: number;
}

export interface StartedSession {
  device: DeviceView;
  refreshToken: string;
}

const MARK_LOGIN = 'update gatehouse_user set last_login = ? where id = ? and password_hash = ? and is_active = ?';
const INSERT_DEVICE =
  'insert into gatehouse_device (id, user_id, name, user_agent, created_at, last_seen_at, expires_at) values (?, ?, ?, ?, ?, ?, ?)';
const INSERT_TOKEN =
  "insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at) values (?, 'device', ?, ?, ?, ?, ?)";

/**
 * Starts a device session after a password login, in one transaction: `lastLogin` on the
 * User row first (the lock order of a password change, and only while the password is
 * still the one just checked and the user active, so a login racing a password change
 * cannot outlive it), then the Device and its first refresh token. Null when the user
 * changed meanwhile. A user holds at most `MAX_DEVICES_PER_USER` live devices: in the same
 * transaction, the login ends the least recently seen ones beyond it (each a
 * `session.ended` event, reason `evicted`, dropped from every instance's cache). Logins of
 * one user queue on its User row, so concurrent ones cannot both stay under the limit's
 * count. Emits `session.started`.
 *
 * @example
 * const started = await startSession(deps, { userId, username, passwordHash, deviceName: 'laptop', userAgent: null, at: clock.now() }, origin);
 */
export async function startSession(deps: StoreDeps, input: NewSession, origin: Origin): Promise<StartedSession | null> {
  const refreshToken = generateRefreshToken('device');
  const device: DeviceView = {
    id: randomUUID(),
    userId: input.userId,
    name: input.deviceName,
    userAgent: input.userAgent,
    createdAt: new Date(input.at),
    lastSeenAt: new Date(input.at),
    expiresAt: new Date(input.at + deps.settings.tokens.refreshLifetime * 1000),
    revokedAt: null,
  };
  const em = statementsEm(deps.orm);
  const at = dbDate(em, input.at);
  const evicted = await transaction(em, async (tem) => {
    if (affected(await execute(tem, MARK_LOGIN, [at, input.userId, input.passwordHash, true], 'run')) !== 1) return null;
    await execute(tem, INSERT_DEVICE, [device.id, input.userId, device.name, device.userAgent, at, at, dbDate(em, device.expiresAt.getTime())], 'run');
    await execute(tem, INSERT_TOKEN, [randomUUID(), hashRefreshToken(refreshToken), input.userId, device.id, Math.floor(input.at / 1000), at], 'run');
    const keep = deps.settings.sessions.maxDevicesPerUser - 1;
    return endDevices(tem, { kind: 'least_recent', userId: input.userId, keep, newId: device.id }, input.at);
  });
  if (!evicted) return null;
  await settle(deps, {
    invalidations: evicted.map((id) => ({ kind: 'device' as const, id })),
    events: [
      ...evicted.map((deviceId) => ({ type: 'session.ended' as const, at: input.at, origin, userId: input.userId, deviceId, reason: 'evicted' as const })),
      { type: 'session.started', at: input.at, origin, userId: input.userId, username: input.username, deviceId: device.id },
    ],
  });
  return { device, refreshToken };
}
