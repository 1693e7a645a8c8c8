import type { EntityManager } from '@mikro-orm/core';
import { Device, RefreshToken, User } from '../entities';
import { InvalidCredentials } from '../errors';
import { checkPassword } from '../passwords/hash';
import type { Gatehouse } from '../runtime';
import { generateRefreshToken, hashRefreshToken } from '../tokens/refresh/opaque';
import type { UserSnapshot } from './cache';
import { clockAtLeast, type IssuedAccess, issueAccessToken } from './issue';
import { firstValidIat, userSnapshot } from './snapshots';

export interface LoginInput {
  username: string;
  password: string;
  deviceName?: string | null;
  /** Request headers, lower-case names. */
  headers: Record<string, string | undefined>;
  /** The client's IP address, for the per-address failure limit; null when unknown. */
  clientAddress?: string | null;
}

/** A new device session: what `tokenAuth` and `refreshToken(refreshToken:)` return. */
export interface SessionTokens {
  access: IssuedAccess;
  refreshToken: string;
  device: Device;
  user: UserSnapshot;
}

/** Name of a new device: `deviceName`, else `X-Device-Model`, else `User-Agent`. */
export function deviceNameFrom(input: Pick<LoginInput, 'deviceName' | 'headers'>): string {
  const candidates = [input.deviceName, input.headers['x-device-model'], input.headers['user-agent']];
  const name = candidates.map((value) => value?.trim()).find((value) => value) ?? 'Unknown device';
  return name.slice(0, 255);
}

/**
 * Password login (`tokenAuth`): counts the attempt against the failure limits (RATE_LIMITED
 * when over), checks the password (bcrypt, async; a dummy compare for an unknown user),
 * then creates a Device and its first refresh token and records `lastLogin`, all in one
 * transaction. One error for every failure; a success resets the username's counter.
 */
export async function login(gh: Gatehouse, em: EntityManager, input: LoginInput): Promise<SessionTokens> {
  const address = input.clientAddress ?? null;
  await gh.loginLimiter.attempt(input.username, address);
  const user = gh.hooks.findUser ? await gh.hooks.findUser(input.username, em) : await em.findOne(User, { username: input.username });
  const passwordOk = await checkPassword(input.password, user?.passwordHash ?? null, gh.settings.bcryptRounds);
  if (!user || !passwordOk || !user.isActive) throw new InvalidCredentials();
  await gh.loginLimiter.succeeded(input.username, address);

  // Right after a password change, wait for the first second whose tokens are valid.
  const nowMs = await clockAtLeast(firstValidIat(user.tokensValidAfter));
  const now = Math.floor(nowMs / 1000);
  const refreshToken = generateRefreshToken('device');
  const device = await em.transactional(async (tem) => {
    // The User row first (the lock order of a password change), and only while the password
    // is still the one just checked: a login racing a password change cannot outlive it.
    const current = await tem.nativeUpdate(User, { id: user.id, passwordHash: user.passwordHash, isActive: true }, { lastLogin: new Date(nowMs) });
    if (current !== 1) return null;
    const created = tem.create(Device, {
      user: user.id,
      name: deviceNameFrom(input),
      userAgent: input.headers['user-agent']?.slice(0, 512) ?? null,
      createdAt: new Date(nowMs),
      lastSeenAt: new Date(nowMs),
      expiresAt: new Date(nowMs + gh.settings.refreshExpirationDelta * 1000),
    });
    tem.create(RefreshToken, {
      kind: 'device',
      tokenHash: hashRefreshToken(refreshToken),
      user: user.id,
      device: created,
      origIat: now,
      createdAt: new Date(nowMs),
    });
    return created;
  });
  if (!device) throw new InvalidCredentials();
  user.lastLogin = new Date(nowMs);

  const snapshot = userSnapshot(user);
  gh.sessions.rememberUser(snapshot);
  const access = await issueAccessToken(gh, snapshot, { origIat: now, sid: device.id }, now);
  return { access, refreshToken, device, user: snapshot };
}
