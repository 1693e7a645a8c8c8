/**
 * The verified-token cache: a token verified once is not verified again, but the clock
 * (`exp`, `nbf`, leeway) is checked on every use, failures are never remembered, and the
 * cache stays bounded. Then over HTTP: a token that was served from the cache stops
 * working when it expires, on `verifyToken` and on `@auth` fields alike; GraphQL answers
 * are never cacheable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { settingsWith } from '../src/settings';
import { loadTokenKeys } from '../src/tokens/keys';
import { VerifiedTokenCache } from '../src/tokens/access/verified-cache';
import { verifyAccessTokenCached } from '../src/tokens/access/verify-cached';
import { startTestServer, TEST_SECRET, type TestServer } from './support/server';
import { assertData, assertError, bearer, gql, login, ME, VERIFY } from './support/http';

const settings = settingsWith({ tokens: { secret: TEST_SECRET } });
const keys = loadTokenKeys(settings);
const NOW = 2_000_000_000;
const claims = (extra: object = {}) => ({ sub: 'u1', username: 'ada', iat: NOW, exp: NOW + 60, orig_iat: NOW, jti: 'j', token_type: 'access', ...extra });
const sign = (payload: object, secret = TEST_SECRET) => jwt.sign(payload, secret, { algorithm: 'HS256' });

describe('verified-token cache', () => {
  it('remembers a token from its second verification on; tokens used once never fill it', () => {
    const cache = new VerifiedTokenCache(10);
    const once = Array.from({ length: 50 }, (_, i) => sign(claims({ jti: `once${i}` })));
    for (const token of once) assert.equal(verifyAccessTokenCached(token, settings, keys, cache, NOW).ok, true);
    assert.equal(cache.size, 0, 'a token verified once is not kept');
    const token = sign(claims({ jti: 'again' }));
    verifyAccessTokenCached(token, settings, keys, cache, NOW);
    assert.equal(cache.lookup(token), undefined);
    assert.equal(verifyAccessTokenCached(token, settings, keys, cache, NOW).ok, true);
    assert.ok(cache.lookup(token), 'kept at its second use');
    cache.clear();
    verifyAccessTokenCached(token, settings, keys, cache, NOW);
    assert.equal(cache.size, 0, 'clear() forgets the fingerprints too');
  });

  it('remembers a verified token and checks exp on every use, with the leeway', () => {
    const cache = new VerifiedTokenCache(10);
    const token = sign(claims());
    // Verified while valid (the real clock is before NOW), then judged by the given time.
    const first = verifyAccessTokenCached(token, settings, keys, cache, NOW);
    assert.equal(first.ok, true);
    assert.equal(verifyAccessTokenCached(token, settings, keys, cache, NOW).ok, true);
    assert.equal(cache.size, 1);
    assert.equal(verifyAccessTokenCached(token, settings, keys, cache, NOW + 59).ok, true);
    assert.deepEqual(verifyAccessTokenCached(token, settings, keys, cache, NOW + 60), { ok: false, problem: 'TOKEN_EXPIRED' });
    assert.equal(cache.size, 0, 'an expired entry is dropped');

    const lenient = settingsWith({ tokens: { secret: TEST_SECRET, leeway: 30 } });
    assert.equal(verifyAccessTokenCached(token, lenient, keys, cache, NOW).ok, true);
    assert.equal(cache.size, 1, 'seen before: kept again at once');
    assert.equal(verifyAccessTokenCached(token, lenient, keys, cache, NOW + 89).ok, true);
    assert.deepEqual(verifyAccessTokenCached(token, lenient, keys, cache, NOW + 90), { ok: false, problem: 'TOKEN_EXPIRED' });
  });

  it('checks nbf on every use', () => {
    const cache = new VerifiedTokenCache(10);
    const now = Math.floor(Date.now() / 1000);
    const token = sign(claims({ iat: now, exp: now + 60, nbf: now - 10 }));
    assert.equal(verifyAccessTokenCached(token, settings, keys, cache, now).ok, true);
    assert.equal(verifyAccessTokenCached(token, settings, keys, cache, now).ok, true);
    assert.equal(cache.size, 1);
    assert.deepEqual(verifyAccessTokenCached(token, settings, keys, cache, now - 11), { ok: false, problem: 'INVALID_TOKEN' });
  });

  it('never remembers a failure, and a changed token is verified afresh', () => {
    const cache = new VerifiedTokenCache(10);
    const good = sign(claims());
    const foreign = sign(claims(), 'another-secret-that-is-long-enough-0123456789');
    const [header, , signature] = good.split('.');
    const tampered = [header, Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url'), signature].join('.');
    for (const bad of [foreign, tampered, `${good}x`, sign(claims({ token_type: 'refresh' }))]) {
      assert.deepEqual(verifyAccessTokenCached(bad, settings, keys, cache, NOW), { ok: false, problem: 'INVALID_TOKEN' });
    }
    assert.equal(cache.size, 0);
    for (const bad of [foreign, tampered]) verifyAccessTokenCached(bad, settings, keys, cache, NOW);
    assert.equal(cache.size, 0, 'a failure is not a first use either');
    verifyAccessTokenCached(good, settings, keys, cache, NOW);
    assert.equal(verifyAccessTokenCached(good, settings, keys, cache, NOW).ok, true);
    assert.ok(cache.lookup(good));
    assert.deepEqual(verifyAccessTokenCached(tampered, settings, keys, cache, NOW), { ok: false, problem: 'INVALID_TOKEN' }, 'a cached neighbour does not help');
  });

  it('keeps at most maxEntries, dropping the least recently used, and hands out frozen claims', () => {
    const cache = new VerifiedTokenCache(2);
    const [a, b, c] = ['a', 'b', 'c'].map((jti) => sign(claims({ jti })));
    const twice = (token: string) => [1, 2].map(() => verifyAccessTokenCached(token, settings, keys, cache, NOW));
    twice(a);
    twice(b);
    assert.ok(cache.lookup(a), 'a is now the most recently used');
    twice(c);
    assert.equal(cache.size, 2);
    assert.ok(cache.lookup(a));
    assert.equal(cache.lookup(b), undefined, 'b was the least recently used');
    const result = verifyAccessTokenCached(a, settings, keys, cache, NOW);
    assert.ok(result.ok && Object.isFrozen(result.claims), 'shared claims cannot be changed by one request for the next');
  });

  it('keeps at most maxBytes of tokens and claims; a token too large to keep is still verified', () => {
    // Tokens with large extra claims (a hook's), about 4 KiB each in the cache.
    const tokens = Array.from({ length: 6 }, (_, i) => sign(claims({ jti: `j${i}`, note: 'n'.repeat(1000) })));
    const probe = new VerifiedTokenCache();
    verifyAccessTokenCached(tokens[0], settings, keys, probe, NOW);
    verifyAccessTokenCached(tokens[0], settings, keys, probe, NOW);
    const one = probe.bytes;
    assert.ok(one > 2 * tokens[0].length + 2 * 1000, 'the token and its claims are counted');
    const cache = new VerifiedTokenCache(100, 3 * one);
    for (const token of tokens) for (const _ of [1, 2]) assert.equal(verifyAccessTokenCached(token, settings, keys, cache, NOW).ok, true);
    assert.ok(cache.bytes <= 3 * one, `${cache.bytes} bytes held, at most ${3 * one}`);
    assert.deepEqual(tokens.map((token) => cache.lookup(token) !== undefined), [false, false, false, true, true, true]);

    const huge = sign(claims({ jti: 'huge', note: 'n'.repeat(4 * 1000) }));
    for (const _ of [1, 2]) assert.equal(verifyAccessTokenCached(huge, settings, keys, cache, NOW).ok, true);
    assert.equal(cache.lookup(huge), undefined, 'larger than the budget alone: not kept');
    assert.equal(cache.size, 3);
  });
});

describe('verified-token cache over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { JWT_EXPIRATION_DELTA: '2s' });
  });
  after(async () => {
    await server?.stop();
  });

  it('a token used while valid is refused once it expires, by verifyToken and by @auth', async () => {
    await server.createUser({ username: 'brief' });
    const { token, payload } = assertData(await login(server.url, 'brief')).tokenAuth;
    assertData(await gql(server.url, VERIFY, { token }));
    assertData(await gql(server.url, ME, {}, bearer(token)));
    server.clock.advance(Math.max(0, payload.exp * 1000 - server.clock.now()) + 50);
    assertError(await gql(server.url, VERIFY, { token }), 'INVALID_TOKEN', 'TOKEN_EXPIRED');
    assertError(await gql(server.url, ME, {}, bearer(token)), 'UNAUTHENTICATED', 'TOKEN_EXPIRED');
  });

  it('a request that needs no user does not look at the token at all', async () => {
    const expired = sign({ ...claims(), iat: 1, exp: 2 });
    for (const authorization of [`Bearer ${expired}`, 'Bearer not-a-jwt', 'Basic abc']) {
      assert.deepEqual(assertData(await gql(server.url, '{ __typename }', {}, { authorization })), { __typename: 'Query' });
    }
  });

  it('GraphQL answers are never cacheable (cache-control: no-store)', async () => {
    const ok = await gql(server.url, '{ __typename }');
    const failed = await gql(server.url, VERIFY, { token: 'nope' });
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    assert.equal(failed.headers.get('cache-control'), 'no-store');
  });
});
