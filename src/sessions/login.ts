import type { EntityManager } from '@mikro-orm/core';
import { User } from '../entities';
import { InvalidCredentials, RateLimited } from '../errors';
import { checkPassword } from '../passwords/hash';
import type { Gatehouse } from '../runtime';
import type { Origin } from '../store/events';
import type { DeviceView } from '../store/rows';
import { seconds } from '../util/clock';
import { printable } from '../util/printable';
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
  /** The request it came from, for the audit line. */
  origin?: Origin;
}

/** A new device session: what `tokenAuth` and `refreshToken(refreshToken:)` return. */
export interface SessionTokens {
  access: IssuedAccess;
  refreshToken: string;
  device: DeviceView;
  user: UserSnapshot;
}

/** Longest device name kept, code points. */
export const MAX_DEVICE_NAME = 255;
/** Longest user agent kept, code points. */
export const MAX_USER_AGENT = 512;

/**
 * Name of a new device: `deviceName`, else `X-Device-Model`, else `User-Agent`, each made
 * `printable` first (no control, escape or bidi characters, whitespace collapsed), so what
 * `devices` shows and the logs hold is what a person reads; the first that is not blank wins.
 *
 * @example deviceNameFrom({ deviceName: '\u202eenohp\r\n', headers: {} }) // 'enohp'
 */
export function deviceNameFrom(input: Pick<LoginInput, 'deviceName' | 'headers'>): string {
  const candidates = [input.deviceName, input.headers['x-device-model'], input.headers['user-agent']];
  for (const value of candidates) {
    const name = value === undefined || value === null ? '' : printable(value, MAX_DEVICE_NAME);
    if (name) return name;
  }
  return 'Unknown device';
}

/** The `User-Agent` of a new device, made `printable`; null when absent or blank. */
export function userAgentFrom(headers: LoginInput['headers']): string | null {
  const agent = headers['user-agent'];
  return (agent && printable(agent, MAX_USER_AGENT)) || null;
}

/**
 * Password login (`tokenAuth`): counts the attempt against the failure limits (RATE_LIMITED
 * when over), checks the password (bcrypt, async; a dummy compare for an unknown user),
 * then the session store starts a device session (Device, first refresh token and
 * `lastLogin`, in one transaction). One error for every failure, reported as a
 * `login.failed` or `login.rate_limited` event; a success resets the account's counter.
 * The per-user limit counts against the account the login resolves to (`accountKeys`), so
 * a `findUser` hook that folds case does not give each spelling its own counter.
 */
export async function login(gh: Gatehouse, em: EntityManager, input: LoginInput): Promise<SessionTokens> {
  const origin = input.origin ?? {};
  try {
    return await passwordLogin(gh, em, input, origin);
  } catch (error) {
    if (error instanceof RateLimited) {
      gh.events.emit({ type: 'login.rate_limited', at: gh.clock.now(), origin, username: input.username });
    } else if (error instanceof InvalidCredentials) {
      gh.events.emit({ type: 'login.failed', at: gh.clock.now(), origin, username: input.username, reason: error.code });
    }
    throw error;
  }
}

async function passwordLogin(gh: Gatehouse, em: EntityManager, input: LoginInput, origin: Origin): Promise<SessionTokens> {
  const address = input.clientAddress ?? null;
  const user = gh.hooks.findUser ? await gh.hooks.findUser(input.username, em) : await em.findOne(User, { username: input.username });
  // Counted against the account the login resolved to (see accountKeys), before the password is checked.
  const account = { userId: user?.id ?? null, login: input.username };
  await gh.loginLimiter.attempt(account, address);
  const passwordOk = await checkPassword(input.password, user?.passwordHash ?? null, gh.settings.passwords.bcryptRounds);
  if (!user || !passwordOk || !user.isActive) throw new InvalidCredentials();
  await gh.loginLimiter.succeeded(account, address);

  // Right after a password change, wait for the first second whose tokens are valid.
  const nowMs = await clockAtLeast(gh.clock, firstValidIat(user.tokensValidAfter));
  const started = await gh.store.startSession(
    {
      userId: user.id,
      username: user.username,
      passwordHash: user.passwordHash,
      deviceName: deviceNameFrom(input),
      userAgent: userAgentFrom(input.headers),
      at: nowMs,
    },
    origin,
  );
  if (!started) throw new InvalidCredentials();
  user.lastLogin = new Date(nowMs);

  const snapshot = userSnapshot(user);
  gh.sessions.rememberUser(snapshot);
  const now = seconds(nowMs);
  const access = await issueAccessToken(gh, snapshot, { origIat: now, sid: started.device.id }, now);
  return { access, refreshToken: started.refreshToken, device: started.device, user: snapshot };
}
