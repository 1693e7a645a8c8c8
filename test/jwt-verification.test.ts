/**
 * Access-token verification per RFC 8725, over HTTP against real servers: the pinned
 * algorithm (no HS token when an asymmetric one is configured, even signed with the public
 * key), `aud`, `iss`, `nbf`, `exp` with `JWT_LEEWAY`, and `token_type: "access"`, on `@auth`
 * fields, `verifyToken` and the stateless `refreshToken(token:)`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase, startTestServer, TEST_SECRET, type TestServer } from './support/server';
import { assertData, assertError, bearer, gql, login, ME, REFRESH, VERIFY } from './support/http';
import { accessClaims, b64url, headerOf, hmacJwt, nowSeconds, payloadOf, sharedPair, signWith, unsignedJwt } from './support/jwt';
import { constants, sign } from 'node:crypto';
import { settingsWith } from '../src/settings';
import { loadTokenKeys, thumbprint } from '../src/tokens/keys';
import { verifyAccessToken } from '../src/tokens/access/verify';

const AUDIENCE = 'gatehouse-tests';
const ISSUER = 'https://auth.example.test';

/** The token is refused on every entry point: @auth (UNAUTHENTICATED), verifyToken and refreshToken(token:) (INVALID_TOKEN). */
async function assertRefusedEverywhere(url: string, token: string, reason: string, label: string) {
  const me = await gql(url, ME, {}, bearer(token));
  assertError(me, 'UNAUTHENTICATED', reason);
  assertError(await gql(url, VERIFY, { token }), 'INVALID_TOKEN', reason);
  assertError(await gql(url, REFRESH, { token }), 'INVALID_TOKEN', reason);
  assert.notEqual(me.status, 500, label);
}

async function assertAccepted(url: string, token: string, label: string) {
  const me = await gql(url, ME, {}, bearer(token));
  assert.equal(me.errors, undefined, `${label}: ${JSON.stringify(me.errors)}`);
  assertData(await gql(url, VERIFY, { token }));
}

describeEachDatabase('RFC 8725 claims checks (HS256, audience, issuer, 30 s leeway)', { JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER, JWT_LEEWAY: '30s' }, (server) => {
  let id: string;
  before(async () => {
    id = (await server().createUser({ username: 'claims' })).id;
  });
  const sign = (extra: Record<string, unknown>, drop: string[] = []) => {
    const claims: Record<string, unknown> = accessClaims(id, 'claims', { aud: AUDIENCE, iss: ISSUER, ...extra });
    for (const name of drop) delete claims[name];
    return hmacJwt({ alg: 'HS256', typ: 'JWT' }, claims, TEST_SECRET);
  };

  it('issues tokens with aud and iss, and accepts them', async () => {
    const { url } = server();
    const session = assertData(await login(url, 'claims')).tokenAuth;
    const claims = payloadOf(session.token);
    assert.equal(claims.aud, AUDIENCE);
    assert.equal(claims.iss, ISSUER);
    assert.equal(headerOf(session.token).alg, 'HS256');
    await assertAccepted(url, session.token, 'issued token');
    await assertAccepted(url, sign({}), 'hand-signed control token');
  });

  it('refuses a missing or wrong audience, and a missing or wrong issuer', async () => {
    const { url } = server();
    await assertRefusedEverywhere(url, sign({}, ['aud']), 'INVALID_TOKEN', 'no aud');
    await assertRefusedEverywhere(url, sign({ aud: 'another-service' }), 'INVALID_TOKEN', 'wrong aud');
    await assertRefusedEverywhere(url, sign({ aud: [`${AUDIENCE}-x`, 'other'] }), 'INVALID_TOKEN', 'aud list without ours');
    await assertRefusedEverywhere(url, sign({}, ['iss']), 'INVALID_TOKEN', 'no iss');
    await assertRefusedEverywhere(url, sign({ iss: 'https://evil.example' }), 'INVALID_TOKEN', 'wrong iss');
    await assertRefusedEverywhere(url, sign({ iss: ISSUER.toUpperCase() }), 'INVALID_TOKEN', 'iss compared exactly');
  });

  it('allows JWT_LEEWAY of clock skew on exp and nbf, and no more', async () => {
    const { url } = server();
    const now = nowSeconds();
    await assertAccepted(url, sign({ iat: now - 400, exp: now - 10 }), 'expired 10 s ago, inside the 30 s leeway');
    await assertRefusedEverywhere(url, sign({ iat: now - 400, exp: now - 60 }), 'TOKEN_EXPIRED', 'expired 60 s ago');
    await assertAccepted(url, sign({ nbf: now + 10 }), 'nbf 10 s ahead, inside the leeway');
    await assertRefusedEverywhere(url, sign({ nbf: now + 60 }), 'INVALID_TOKEN', 'nbf 60 s ahead');
    await assertRefusedEverywhere(url, sign({ nbf: 'soon' }), 'INVALID_TOKEN', 'nbf not a number');
    await assertRefusedEverywhere(url, sign({ exp: String(now + 300) }), 'INVALID_TOKEN', 'exp not a number');
  });

  it('accepts only token_type "access"', async () => {
    const { url } = server();
    for (const tokenType of ['refresh', 'Access', 'ACCESS', '', null, 1, ['access']]) {
      await assertRefusedEverywhere(url, sign({ token_type: tokenType }), 'INVALID_TOKEN', `token_type ${JSON.stringify(tokenType)}`);
    }
    await assertRefusedEverywhere(url, sign({}, ['token_type']), 'INVALID_TOKEN', 'no token_type');
    for (const claim of ['sub', 'exp', 'iat', 'orig_iat', 'jti', 'username']) {
      await assertRefusedEverywhere(url, sign({}, [claim]), 'INVALID_TOKEN', `no ${claim}`);
    }
  });

  it('pins HS256: the same secret under HS384, HS512 or "none" is refused', async () => {
    const { url } = server();
    const claims = accessClaims(id, 'claims', { aud: AUDIENCE, iss: ISSUER });
    await assertRefusedEverywhere(url, hmacJwt({ alg: 'HS384', typ: 'JWT' }, claims, TEST_SECRET, 384), 'INVALID_TOKEN', 'HS384');
    await assertRefusedEverywhere(url, hmacJwt({ alg: 'HS512', typ: 'JWT' }, claims, TEST_SECRET, 512), 'INVALID_TOKEN', 'HS512');
    await assertRefusedEverywhere(url, hmacJwt({ alg: 'HS512', typ: 'JWT' }, claims, TEST_SECRET, 256), 'INVALID_TOKEN', 'HS512 header, HS256 signature');
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      await assertRefusedEverywhere(url, unsignedJwt({ alg, typ: 'JWT' }, claims), 'INVALID_TOKEN', `alg ${alg}`);
    }
  });
});

describe('algorithm confusion: an RS256 server refuses HS tokens', () => {
  const pair = sharedPair('rsa');
  const kid = thumbprint(pair.publicKey);
  let server: TestServer;
  let id: string;
  before(async () => {
    server = await startTestServer('sqlite', { JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pair.privatePem, JWT_LEEWAY: '0s' });
    id = (await server.createUser({ username: 'rsa-user' })).id;
  });
  after(() => server.stop());

  it('accepts its own RS256 tokens, which carry the kid', async () => {
    const session = assertData(await login(server.url, 'rsa-user')).tokenAuth;
    assert.deepEqual({ alg: headerOf(session.token).alg, kid: headerOf(session.token).kid }, { alg: 'RS256', kid });
    await assertAccepted(server.url, session.token, 'issued token');
    await assertAccepted(server.url, signWith(accessClaims(id, 'rsa-user'), pair.privateKey, 'RS256', kid), 'control token');
  });

  it('refuses HS256 tokens signed with the public key as the HMAC secret, in any encoding', async () => {
    const claims = accessClaims(id, 'rsa-user');
    const der = pair.publicKey.export({ format: 'der', type: 'spki' }) as Buffer;
    const pkcs1 = pair.publicKey.export({ format: 'pem', type: 'pkcs1' }) as string;
    const secrets: Array<[string, string | Buffer]> = [
      ['SPKI PEM', pair.publicPem],
      ['SPKI PEM without the final new line', pair.publicPem.trimEnd()],
      ['PKCS#1 PEM', pkcs1],
      ['DER', der],
      ['JWK JSON', JSON.stringify(pair.publicKey.export({ format: 'jwk' }))],
    ];
    for (const [label, secret] of secrets) {
      for (const [alg, bits] of [['HS256', 256], ['HS384', 384], ['HS512', 512]] as const) {
        for (const header of [{ alg, typ: 'JWT' }, { alg, typ: 'JWT', kid }]) {
          const forged = hmacJwt(header, claims, secret, bits);
          await assertRefusedEverywhere(server.url, forged, 'INVALID_TOKEN', `${alg} with the ${label}${'kid' in header ? ' and the kid' : ''}`);
        }
      }
    }
  });

  it('refuses other algorithms with its own key, unsigned tokens, and tokens without a kid', async () => {
    const claims = accessClaims(id, 'rsa-user');
    await assertRefusedEverywhere(server.url, signWith(claims, pair.privateKey, 'PS256', kid), 'INVALID_TOKEN', 'PS256 with the right key');
    await assertRefusedEverywhere(server.url, signWith(claims, pair.privateKey, 'RS512', kid), 'INVALID_TOKEN', 'RS512 with the right key');
    await assertRefusedEverywhere(server.url, signWith(claims, pair.privateKey, 'RS256'), 'INVALID_TOKEN', 'no kid');
    await assertRefusedEverywhere(server.url, unsignedJwt({ alg: 'none', kid }, claims), 'INVALID_TOKEN', 'alg none with the kid');
    const signature = signWith(claims, pair.privateKey, 'RS256', kid).split('.')[2];
    const swapped = `${b64url({ alg: 'none', kid })}.${b64url(claims)}.${signature}`;
    await assertRefusedEverywhere(server.url, swapped, 'INVALID_TOKEN', 'alg none keeping a real signature');
  });
});

describe('the strict compact-form check (verifyAccessToken, no server)', () => {
  const hs = settingsWith({ tokens: { secret: TEST_SECRET } });
  const hsKeys = loadTokenKeys(hs);
  const now = nowSeconds();
  const claims = accessClaims('u1', 'ada');
  const good = hmacJwt({ alg: 'HS256', typ: 'JWT' }, claims, TEST_SECRET);
  const verdict = (token: string, settings = hs, keys = hsKeys) => {
    const result = verifyAccessToken(token, settings, keys, now);
    return result.ok ? 'ok' : result.problem;
  };

  it('accepts what jsonwebtoken signs, and a kid on an HMAC token changes nothing', () => {
    assert.equal(verdict(signWith(claims, hsKeys.signingKey, 'HS256')), 'ok');
    assert.equal(verdict(good), 'ok');
    assert.equal(verdict(hmacJwt({ alg: 'HS256', kid: 'anything' }, claims, TEST_SECRET)), 'ok');
  });

  it('refuses anything but three base64url segments with a signature', () => {
    const [h, p, s] = good.split('.');
    for (const bad of [`${h}.${p}`, `${h}.${p}.`, `${good}.${s}`, `${h}.${p}.${s}=`, `${h}.${p}.${s.slice(0, 10)}+${s.slice(11)}`, ` ${good}`, `${h}..${s}`, `.${p}.${s}`]) {
      assert.equal(verdict(bad), 'INVALID_TOKEN', bad);
    }
  });

  it('refuses a signature written another way for the same bytes (non-canonical base64url)', () => {
    const [h, p, s] = good.split('.');
    // 32 bytes are 43 characters: the last one carries 2 bits of padding that decoding ignores.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(s.at(-1)!);
    const twin = `${s.slice(0, -1)}${alphabet[last ^ 1]}`;
    assert.deepEqual(Buffer.from(twin, 'base64url'), Buffer.from(s, 'base64url'));
    assert.equal(verdict(`${h}.${p}.${twin}`), 'INVALID_TOKEN');
  });

  it('refuses a header that is not an object, names crit, or another algorithm, and claims that are not an object', () => {
    assert.equal(verdict(hmacJwt({ alg: 'HS256', crit: ['exp'] }, claims, TEST_SECRET)), 'INVALID_TOKEN');
    assert.equal(verdict(hmacJwt(['HS256'], claims, TEST_SECRET)), 'INVALID_TOKEN');
    assert.equal(verdict(hmacJwt({ typ: 'JWT' }, claims, TEST_SECRET)), 'INVALID_TOKEN');
    assert.equal(verdict(hmacJwt({ alg: 'hs256' }, claims, TEST_SECRET)), 'INVALID_TOKEN');
    assert.equal(verdict(hmacJwt({ alg: 'HS256' }, [claims], TEST_SECRET)), 'INVALID_TOKEN');
    assert.equal(verdict(hmacJwt({ alg: 'HS256' }, 'text', TEST_SECRET)), 'INVALID_TOKEN');
  });

  it('time claims must be numbers; expired is TOKEN_EXPIRED only with a valid signature', () => {
    assert.equal(verdict(hmacJwt({ alg: 'HS256' }, { ...claims, exp: String(claims.exp) }, TEST_SECRET)), 'INVALID_TOKEN');
    assert.equal(verdict(hmacJwt({ alg: 'HS256' }, { ...claims, nbf: String(now) }, TEST_SECRET)), 'INVALID_TOKEN');
    assert.equal(verdict(hmacJwt({ alg: 'HS256' }, { ...claims, exp: now - 1 }, TEST_SECRET)), 'TOKEN_EXPIRED');
    assert.equal(verdict(hmacJwt({ alg: 'HS256' }, { ...claims, exp: now - 1 }, 'another secret, long enough for HS256 tests')), 'INVALID_TOKEN');
    assert.equal(verdict(hmacJwt({ alg: 'HS256' }, { ...claims, nbf: now + 5 }, TEST_SECRET)), 'INVALID_TOKEN');
  });

  it('an audience may be one of a list', () => {
    const withAud = settingsWith({ tokens: { secret: TEST_SECRET, audience: 'api' } });
    assert.equal(verdict(hmacJwt({ alg: 'HS256' }, { ...claims, aud: ['other', 'api'] }, TEST_SECRET), withAud), 'ok');
    assert.equal(verdict(hmacJwt({ alg: 'HS256' }, { ...claims, aud: ['other'] }, TEST_SECRET), withAud), 'INVALID_TOKEN');
  });

  for (const [algorithm, kind, other] of [['ES256', 'ec', 'ES384'], ['PS256', 'rsa', 'RS256'], ['RS384', 'rsa', 'PS384']] as const) {
    it(`${algorithm}: verifies jsonwebtoken's signature by kid; refuses ${other} with the same key, a DER or re-encoded signature, an unknown kid`, () => {
      const pair = sharedPair(kind);
      const settings = settingsWith({ tokens: { algorithm, privateKey: pair.privatePem } });
      const keys = loadTokenKeys(settings);
      const token = signWith(claims, pair.privateKey, algorithm, keys.kid);
      assert.equal(verdict(token, settings, keys), 'ok');
      // The other algorithm's valid signature with the same key (by hand: jsonwebtoken will not sign ES384 on P-256).
      const otherInput = `${b64url({ alg: other, kid: keys.kid })}.${b64url(claims)}`;
      const otherSignature = sign(`sha${other.slice(2)}`, Buffer.from(otherInput), kind === 'ec' ? { key: pair.privateKey, dsaEncoding: 'ieee-p1363' } : other.startsWith('PS') ? { key: pair.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 } : pair.privateKey);
      assert.equal(verdict(`${otherInput}.${otherSignature.toString('base64url')}`, settings, keys), 'INVALID_TOKEN');
      assert.equal(verdict(signWith(claims, pair.privateKey, algorithm, 'not-a-kid'), settings, keys), 'INVALID_TOKEN');
      assert.equal(verdict(signWith(claims, pair.privateKey, algorithm), settings, keys), 'INVALID_TOKEN');
      const [h, p, s] = token.split('.');
      assert.equal(verdict(`${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}`, settings, keys), 'INVALID_TOKEN');
      if (kind === 'ec') {
        const der = sign('sha256', Buffer.from(`${h}.${p}`), pair.privateKey).toString('base64url');
        assert.equal(verdict(`${h}.${p}.${der}`, settings, keys), 'INVALID_TOKEN', 'DER, not the JWS r||s form');
      }
      assert.equal(verdict(hmacJwt({ alg: 'HS256', kid: keys.kid }, claims, pair.publicPem), settings, keys), 'INVALID_TOKEN');
    });
  }
});
