/**
 * The session check answered from the cache alone (`authenticateFromCache`, which lets
 * `@auth` resolve without a promise) agrees with the full `authenticate`: the same
 * principal or the same refusal, in the same order of checks; and it steps aside (null)
 * whenever something is not cached or the device is due its last-seen write, so the full
 * path runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EntityManager } from '@mikro-orm/core';
import { appTokenKey } from '../src/app-tokens/rules';
import { Unauthenticated } from '../src/errors';
import type { Gatehouse } from '../src/runtime';
import { authenticate, authenticateFromCache } from '../src/sessions/authenticate';
import { type DeviceSnapshot, SessionCache, type UserSnapshot } from '../src/sessions/cache';
import { settingsWith } from '../src/settings';
import type { AccessClaims } from '../src/tokens/access/claims';
import { ManualClock } from '../src/util/clock';

const NOW = Date.now();
const NOW_S = Math.floor(NOW / 1000);
const ACCURACY_S = 60;
const LIFETIME_S = 3600;

function runtime(sessionCheck = true) {
  const settings = settingsWith({ tokens: { secret: 'x'.repeat(40), refreshLifetime: LIFETIME_S }, sessions: { check: sessionCheck, expirationAccuracy: ACCURACY_S } });
  const clock = new ManualClock(NOW);
  return { settings, clock, sessions: new SessionCache(300, clock) } as unknown as Gatehouse & { sessions: SessionCache };
}

const user = (extra: Partial<UserSnapshot> = {}): UserSnapshot => ({
  id: 'u1', username: 'ada', email: null, emailVerified: false, roles: [], isActive: true, lastLogin: null, dateJoined: new Date(0), tokensValidAfter: 0, ...extra,
});
const device = (extra: Partial<DeviceSnapshot> = {}): DeviceSnapshot => ({
  id: 'd1', userId: 'u1', revoked: false, expiresAt: NOW - 1000 + LIFETIME_S * 1000, lastSeenAt: NOW - 1000, ...extra,
});
const claims = (extra: Partial<AccessClaims> = {}): AccessClaims => ({
  sub: 'u1', username: 'ada', iat: NOW_S, exp: NOW_S + 300, orig_iat: NOW_S, jti: 'j', token_type: 'access', sid: 'd1', ...extra,
});

/** No database: the full path may only read the cache in these cases. */
const noDatabase = () => {
  throw new Error('the database was asked');
};

/** 'principal', 'null' or the refusal's reason. */
function fromCache(gh: Gatehouse, c: AccessClaims): string {
  try {
    const principal = authenticateFromCache(gh, c, NOW);
    return principal === null ? 'null' : `principal ${principal.user.id}`;
  } catch (error) {
    assert.ok(error instanceof Unauthenticated, String(error));
    return error.reason;
  }
}

async function full(gh: Gatehouse, c: AccessClaims): Promise<string> {
  try {
    const principal = await authenticate(gh, noDatabase as unknown as () => EntityManager, c);
    return `principal ${principal.user.id}`;
  } catch (error) {
    assert.ok(error instanceof Unauthenticated, String(error));
    return error.reason;
  }
}

describe('authenticateFromCache', () => {
  it('answers like authenticate when the user and device are cached', async () => {
    const cases: Array<[string, UserSnapshot, DeviceSnapshot, AccessClaims, string]> = [
      ['a live session', user(), device(), claims(), 'principal u1'],
      ['an inactive user', user({ isActive: false }), device(), claims(), 'SESSION_REVOKED'],
      ['a token older than the password change', user({ tokensValidAfter: NOW_S + 1 }), device(), claims(), 'SESSION_REVOKED'],
      ['a revoked device', user(), device({ revoked: true }), claims(), 'SESSION_REVOKED'],
      ['an expired device', user(), device({ expiresAt: NOW - 1 }), claims(), 'SESSION_REVOKED'],
      ["another user's device", user(), device({ userId: 'u2' }), claims(), 'SESSION_REVOKED'],
      ['an inactive user on a revoked device (the user is judged first)', user({ isActive: false }), device({ revoked: true }), claims(), 'SESSION_REVOKED'],
    ];
    for (const [label, u, d, c, expected] of cases) {
      const gh = runtime();
      gh.sessions.rememberUser(u, NOW);
      gh.sessions.rememberDevice(d, NOW);
      assert.equal(fromCache(gh, c), expected, label);
      assert.equal(await full(gh, c), expected, `${label} (full path)`);
    }
  });

  it('steps aside when the user or the device is not cached, or the device is due its last-seen write', () => {
    const gh = runtime();
    assert.equal(fromCache(gh, claims()), 'null', 'nothing cached');
    gh.sessions.rememberUser(user(), NOW);
    assert.equal(fromCache(gh, claims()), 'null', 'the device is not cached');
    gh.sessions.rememberDevice(device({ lastSeenAt: NOW - ACCURACY_S * 1000 }), NOW);
    assert.equal(fromCache(gh, claims()), 'null', 'the last-seen write is due');
    gh.sessions.rememberDevice(device({ lastSeenAt: NOW - ACCURACY_S * 1000 + 1 }), NOW);
    assert.equal(fromCache(gh, claims()), 'principal u1');
    gh.sessions.rememberDevice(device({ expiresAt: NOW + (LIFETIME_S - ACCURACY_S) * 1000 }), NOW);
    assert.equal(fromCache(gh, claims()), 'null', 'the expiry is due its slide (seen a moment ago, but it would move by the accuracy)');
    gh.sessions.rememberDevice(device({ expiresAt: NOW + (LIFETIME_S - ACCURACY_S) * 1000 + 1 }), NOW);
    assert.equal(fromCache(gh, claims()), 'principal u1');
  });

  it('refuses a cached inactive user before looking for the device, as the full path does', () => {
    const gh = runtime();
    gh.sessions.rememberUser(user({ isActive: false }), NOW);
    assert.equal(fromCache(gh, claims()), 'SESSION_REVOKED');
  });

  it('without the session check, looks at the user only', () => {
    const gh = runtime(false);
    gh.sessions.rememberUser(user(), NOW);
    assert.equal(fromCache(gh, claims()), 'principal u1');
    assert.equal(fromCache(gh, claims({ sid: undefined, app: 'reports' })), 'principal u1');
  });

  it('checks a delegated token against its cached app token', async () => {
    const gh = runtime();
    gh.sessions.rememberUser(user(), NOW);
    const delegated = claims({ sid: undefined, app: 'reports', orig_iat: NOW_S - 10 });
    assert.equal(fromCache(gh, delegated), 'null', 'the app token is not cached');
    for (const [createdAt, expected] of [[NOW_S - 20, 'principal u1'], [NOW_S - 10, 'principal u1'], [NOW_S - 9, 'SESSION_REVOKED'], [null, 'SESSION_REVOKED']] as const) {
      gh.sessions.rememberAppToken(appTokenKey('u1', 'reports'), { createdAt }, NOW);
      assert.equal(fromCache(gh, delegated), expected, `app token created at ${createdAt}`);
      assert.equal(await full(gh, delegated), expected, `app token created at ${createdAt} (full path)`);
    }
  });
});
