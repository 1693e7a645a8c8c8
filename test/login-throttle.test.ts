/**
 * Failed-login limits over HTTP: per username+address and per address, RATE_LIMITED with
 * `retryAfter`, a success resets the username's counter, X-Forwarded-For only with
 * TRUST_PROXY, in memory and shared through Redis (with memory as the fallback when Redis
 * is down). The limits do not touch the database, so these run on SQLite only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientAddress } from '../src/server/client-address';
import { startGatehouse } from '../src/server/app';
import { loadSettings, SettingsError } from '../src/settings';
import { createUser } from '../src/users/create';
import { assertData, assertError, login, type GraphQLResponse } from './support/http';
import { REDIS_TEST_URL, redisSkip, scratchRedisPrefix } from './support/redis';
import { startTestServer, testEnv, type TestServer } from './support/server';

const from = (address: string) => ({ 'x-forwarded-for': address });

function assertRateLimited(response: GraphQLResponse, maxSeconds: number): number {
  const error = assertError(response, 'RATE_LIMITED');
  const retryAfter = error.extensions?.retryAfter;
  assert.ok(Number.isInteger(retryAfter) && (retryAfter as number) >= 1 && (retryAfter as number) <= maxSeconds, `retryAfter ${retryAfter}`);
  return retryAfter as number;
}

describe('login limits: settings and client address', () => {
  it('has documented defaults and names a bad value', () => {
    const s = loadSettings({});
    assert.deepEqual(
      [s.limits.loginMaxFailuresPerUser, s.limits.loginMaxFailuresPerAddress, s.limits.loginFailureWindow, s.server.trustProxy, s.redis.keyPrefix],
      [5, 100, 900, false, 'gatehouse:'],
    );
    for (const [name, value] of [['LOGIN_MAX_FAILURES_PER_USER', '-1'], ['LOGIN_MAX_FAILURES_PER_ADDRESS', 'many'], ['LOGIN_FAILURE_WINDOW', '0'], ['TRUST_PROXY', 'perhaps']]) {
      assert.throws(() => loadSettings({ [name]: value }), (error: unknown) => error instanceof SettingsError && error.variable === name);
    }
  });

  it('takes the socket address, or the last X-Forwarded-For entry only with TRUST_PROXY', () => {
    assert.equal(clientAddress('::ffff:127.0.0.1', '203.0.113.9', false), '127.0.0.1');
    assert.equal(clientAddress('::ffff:127.0.0.1', '198.51.100.4, 203.0.113.9', true), '203.0.113.9');
    assert.equal(clientAddress('10.0.0.1', 'garbage', true), '10.0.0.1');
    assert.equal(clientAddress('::1', undefined, true), '::1');
    assert.equal(clientAddress(undefined, undefined, false), null);
  });
});

describe('login limits in memory', () => {
  let server: TestServer;
  let plain: TestServer;
  before(async () => {
    const limits = { LOGIN_MAX_FAILURES_PER_USER: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '6', LOGIN_FAILURE_WINDOW: '15m' };
    server = await startTestServer('sqlite', { ...limits, TRUST_PROXY: 'true' });
    plain = await startTestServer('sqlite', { ...limits, LOGIN_FAILURE_WINDOW: '1s' });
    for (const username of ['ada', 'bob', 'cy', 'dee']) await server.createUser({ username });
    await plain.createUser({ username: 'ada' });
  });
  after(async () => {
    await server?.stop();
    await plain?.stop();
  });

  it('after LOGIN_MAX_FAILURES_PER_USER failures the username is refused from that address, even with the right password', async () => {
    const { url } = server;
    for (let i = 0; i < 3; i++) assertError(await login(url, 'ada', 'wrong', from('203.0.113.1')), 'INVALID_CREDENTIALS');
    assertRateLimited(await login(url, 'ada', 'correct horse', from('203.0.113.1')), 900);
    // Another user from that address, and the same user from another address, are not affected.
    assertData(await login(url, 'bob', 'correct horse', from('203.0.113.1')));
    assertData(await login(url, 'ada', 'correct horse', from('203.0.113.2')));
  });

  it('an unknown username is limited exactly like a known one', async () => {
    const { url } = server;
    for (let i = 0; i < 3; i++) assertError(await login(url, 'nobody', 'wrong', from('203.0.113.3')), 'INVALID_CREDENTIALS');
    assertRateLimited(await login(url, 'nobody', 'wrong', from('203.0.113.3')), 900);
  });

  it('a successful login resets the username+address counter', async () => {
    const { url } = server;
    const address = from('203.0.113.4');
    for (let i = 0; i < 2; i++) assertError(await login(url, 'cy', 'wrong', address), 'INVALID_CREDENTIALS');
    assertData(await login(url, 'cy', 'correct horse', address));
    // Without the reset the 2nd failure below would be the 4th and be refused.
    for (let i = 0; i < 3; i++) assertError(await login(url, 'cy', 'wrong', address), 'INVALID_CREDENTIALS');
    assertRateLimited(await login(url, 'cy', 'wrong', address), 900);
  });

  it('after LOGIN_MAX_FAILURES_PER_ADDRESS failures over any usernames the address is refused', async () => {
    const { url } = server;
    const address = from('203.0.113.5');
    for (let i = 0; i < 6; i++) assertError(await login(url, `spray-${i}`, 'wrong', address), 'INVALID_CREDENTIALS');
    assertRateLimited(await login(url, 'dee', 'correct horse', address), 900);
    assertData(await login(url, 'dee', 'correct horse', from('203.0.113.6')));
  });

  it('concurrent guesses cannot slip past the limit while bcrypt runs', async () => {
    const { url } = server;
    const answers = await Promise.all(Array.from({ length: 20 }, () => login(url, 'bob', 'wrong', from('203.0.113.7'))));
    const codes = answers.map((answer) => answer.errors?.[0]?.extensions?.code);
    assert.equal(codes.filter((code) => code === 'INVALID_CREDENTIALS').length, 3, String(codes));
    assert.equal(codes.filter((code) => code === 'RATE_LIMITED').length, 17, String(codes));
  });

  it('without TRUST_PROXY a forged X-Forwarded-For does not escape the limit; the window ends it', async () => {
    const { url } = plain;
    for (let i = 0; i < 3; i++) assertError(await login(url, 'ada', 'wrong', from(`198.51.100.${i}`)), 'INVALID_CREDENTIALS');
    assertRateLimited(await login(url, 'ada', 'correct horse', from('198.51.100.99')), 1);
    plain.clock.advance(1100); // the 1 s window is over
    assertData(await login(url, 'ada', 'correct horse'));
  });
});

describe('login limits shared through Redis', { skip: redisSkip() }, () => {
  const scratch = scratchRedisPrefix();
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    const env = { REDIS_URL: REDIS_TEST_URL, REDIS_KEY_PREFIX: scratch.prefix, LOGIN_MAX_FAILURES_PER_USER: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '50' };
    a = await startTestServer('sqlite', env);
    b = await startTestServer('sqlite', env);
    for (const server of [a, b]) await server.createUser({ username: 'shared' });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await scratch.cleanup();
  });

  it('failures on one instance count on the other; a success on either resets them', async () => {
    assertError(await login(a.url, 'shared', 'wrong'), 'INVALID_CREDENTIALS');
    assertError(await login(b.url, 'shared', 'wrong'), 'INVALID_CREDENTIALS');
    assertData(await login(b.url, 'shared'));
    for (let i = 0; i < 2; i++) assertError(await login(a.url, 'shared', 'wrong'), 'INVALID_CREDENTIALS');
    assertError(await login(b.url, 'shared', 'wrong'), 'INVALID_CREDENTIALS');
    assertRateLimited(await login(a.url, 'shared'), 900);
    assertRateLimited(await login(b.url, 'shared'), 900);
    assert.ok((await scratch.cleanup()) > 0, 'the counters were in Redis, under the prefix');
    assertData(await login(a.url, 'shared'));
  });
});

describe('login limits when Redis is down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-down-'));
  const warnings: string[] = [];
  let running: Awaited<ReturnType<typeof startGatehouse>>;
  before(async () => {
    const settings = loadSettings(
      testEnv({ DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, GATEHOUSE_DATA_DIR: dir, REDIS_URL: 'redis://127.0.0.1:1', LOGIN_MAX_FAILURES_PER_USER: '2' }),
    );
    running = await startGatehouse({ settings, log: () => undefined, warn: (message) => warnings.push(message) });
    await createUser(running.gatehouse.orm.em.fork(), { username: 'solo', password: 'correct horse' }, settings.passwords.bcryptRounds);
  });
  after(async () => {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('falls back to this process\'s memory, still limits, and says so once', async () => {
    for (let i = 0; i < 2; i++) assertError(await login(running.url, 'solo', 'wrong'), 'INVALID_CREDENTIALS');
    assertRateLimited(await login(running.url, 'solo'), 900);
    await sleep(1000); // several reconnection attempts fail meanwhile
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /Redis at redis:\/\/127\.0\.0\.1:1.* unreachable.*memory/);
  });
});
