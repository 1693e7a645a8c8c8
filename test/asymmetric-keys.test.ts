/**
 * RS/ES keys over HTTP: tokens carry the kid (RFC 7638 thumbprint), `/.well-known/jwks.json`
 * publishes the public keys so a third party verifies tokens with the JWKS alone, retired
 * keys in `JWT_PUBLIC_KEYS` keep verifying, unknown kids are refused, bad key settings stop
 * start-up with a line naming the variable, and `gatehouse keys generate` writes a usable pair.
 */
import assert from 'node:assert/strict';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { loadSettings, SettingsError } from '../src/settings';
import { loadTokenKeys, thumbprint } from '../src/tokens/keys';
import { cliHere } from './support/process';
import { describeEachDatabase, startTestServer, testEnv } from './support/server';
import { assertData, assertError, bearer, gql, login, ME, VERIFY } from './support/http';
import { accessClaims, headerOf, pemPair, sharedPair, signWith } from './support/jwt';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const jwksUrl = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '/.well-known/jwks.json');

/** What another service does: fetch the JWKS, pick the key by kid, verify with jsonwebtoken. */
async function verifyWithJwksOnly(graphqlUrl: string, token: string, algorithm: jwt.Algorithm) {
  const response = await fetch(jwksUrl(graphqlUrl));
  assert.equal(response.status, 200);
  const { keys } = (await response.json()) as { keys: Array<JsonWebKey & { kid: string }> };
  const jwk = keys.find((key) => key.kid === headerOf(token).kid);
  assert.ok(jwk, 'the JWKS has the key the token names');
  return jwt.verify(token, createPublicKey({ key: jwk, format: 'jwk' }), { algorithms: [algorithm] }) as jwt.JwtPayload;
}

const SETUPS = [
  { algorithm: 'RS256', kind: 'rsa', option: 2048, retiredAs: 'folder' },
  { algorithm: 'ES256', kind: 'ec', option: 'prime256v1', retiredAs: 'pem text' },
] as const;

for (const setup of SETUPS) {
  // Three different pairs; shared with other tests of this process (made once: RSA costs ~0.5 s a pair).
  const current = sharedPair(setup.kind, setup.option, 0);
  const retired = sharedPair(setup.kind, setup.option, 1);
  const stranger = sharedPair(setup.kind, setup.option, 2);
  const currentKid = thumbprint(current.publicKey);
  const retiredKid = thumbprint(retired.publicKey);
  const keyDir = join(dir, setup.algorithm);
  mkdirSync(join(keyDir, 'retired'), { recursive: true });
  writeFileSync(join(keyDir, 'private.pem'), current.privatePem, { mode: 0o600 });
  writeFileSync(join(keyDir, 'retired', 'old.pem'), retired.publicPem);
  writeFileSync(join(keyDir, 'retired', 'notes.txt'), 'not a key: ignored, only *.pem files count');
  const env = {
    JWT_ALGORITHM: setup.algorithm,
    JWT_PRIVATE_KEY: join(keyDir, 'private.pem'),
    JWT_PUBLIC_KEY: current.publicPem.replace(/\n/g, '\\n'), // escaped new lines, as in a .env file
    JWT_PUBLIC_KEYS: setup.retiredAs === 'folder' ? join(keyDir, 'retired') : retired.publicPem,
  };

  describeEachDatabase(`${setup.algorithm} keys, JWKS and rotation`, env, (server) => {
    let id: string;
    before(async () => {
      id = (await server().createUser({ username: 'keyed' })).id;
    });

    it('signs with the configured algorithm and the kid of the current key', async () => {
      const session = assertData(await login(server().url, 'keyed')).tokenAuth;
      assert.deepEqual(headerOf(session.token), { alg: setup.algorithm, typ: 'JWT', kid: currentKid });
      assertData(await gql(server().url, ME, {}, bearer(session.token)));
    });

    it('publishes the current and retired public keys, and nothing private', async () => {
      const response = await fetch(jwksUrl(server().url));
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      const { keys } = (await response.json()) as { keys: Array<Record<string, string>> };
      assert.deepEqual(keys.map((key) => key.kid).sort(), [currentKid, retiredKid].sort());
      for (const key of keys) {
        assert.equal(key.alg, setup.algorithm);
        assert.equal(key.use, 'sig');
        assert.equal(key.kty, setup.kind === 'rsa' ? 'RSA' : 'EC');
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(key[member], undefined, `no private member ${member}`);
        assert.equal(thumbprint(createPublicKey({ key: key as JsonWebKey, format: 'jwk' })), key.kid, 'kid is the RFC 7638 thumbprint');
      }
    });

    it('a verifier holding only the JWKS verifies issued tokens', async () => {
      const session = assertData(await login(server().url, 'keyed')).tokenAuth;
      const claims = await verifyWithJwksOnly(server().url, session.token, setup.algorithm);
      assert.equal(claims.sub, id);
      assert.equal(claims.token_type, 'access');
      const forged = signWith(accessClaims(id, 'keyed'), stranger.privateKey, setup.algorithm, currentKid);
      await assert.rejects(verifyWithJwksOnly(server().url, forged, setup.algorithm), /invalid signature/);
    });

    it('a token signed by a retired key still verifies; an unknown or missing kid does not', async () => {
      const { url } = server();
      const byRetired = signWith(accessClaims(id, 'keyed'), retired.privateKey, setup.algorithm, retiredKid);
      assert.equal(assertData(await gql(url, ME, {}, bearer(byRetired))).me.username, 'keyed');
      assertData(await gql(url, VERIFY, { token: byRetired }));
      const cases: Array<[string, string]> = [
        ['unknown key and kid', signWith(accessClaims(id, 'keyed'), stranger.privateKey, setup.algorithm, thumbprint(stranger.publicKey))],
        ['unknown key claiming the current kid', signWith(accessClaims(id, 'keyed'), stranger.privateKey, setup.algorithm, currentKid)],
        ['unknown key claiming the retired kid', signWith(accessClaims(id, 'keyed'), stranger.privateKey, setup.algorithm, retiredKid)],
        ['retired key claiming the current kid', signWith(accessClaims(id, 'keyed'), retired.privateKey, setup.algorithm, currentKid)],
        ['current key, no kid', signWith(accessClaims(id, 'keyed'), current.privateKey, setup.algorithm)],
        ['current key, made-up kid', signWith(accessClaims(id, 'keyed'), current.privateKey, setup.algorithm, 'key-1')],
      ];
      for (const [label, token] of cases) {
        const answer = await gql(url, ME, {}, bearer(token));
        assert.equal(answer.errors?.[0].extensions?.reason, 'INVALID_TOKEN', label);
        assertError(answer, 'UNAUTHENTICATED', 'INVALID_TOKEN');
        assertError(await gql(url, VERIFY, { token }), 'INVALID_TOKEN', 'INVALID_TOKEN');
      }
    });
  });
}

describe('JWKS with HMAC', () => {
  it('is 404: a shared secret is never published', async () => {
    const server = await startTestServer('sqlite');
    try {
      const response = await fetch(jwksUrl(server.url));
      assert.equal(response.status, 404);
      const body = (await response.json()) as { error: string };
      assert.match(body.error, /HS256/);
      assert.equal(JSON.stringify(body).includes(server.settings.tokens.secret!), false);
    } finally {
      await server.stop();
    }
  });
});

describe('key settings are checked at start-up', () => {
  const rsa = sharedPair('rsa');
  const ec = sharedPair('ec');
  const refuses = (env: Record<string, string>, variable: string, pattern: RegExp) =>
    assert.throws(
      () => loadTokenKeys(loadSettings(testEnv(env))),
      (error: unknown) => error instanceof SettingsError && error.variable === variable && pattern.test(error.message) && error.message.includes(variable),
    );

  it('refuses keys that do not fit the algorithm (one key, one algorithm)', () => {
    refuses({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: ec.privatePem }, 'JWT_PRIVATE_KEY', /RSA key/);
    refuses({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: rsa.privatePem }, 'JWT_PRIVATE_KEY', /prime256v1/);
    refuses({ JWT_ALGORITHM: 'ES384', JWT_PRIVATE_KEY: ec.privatePem }, 'JWT_PRIVATE_KEY', /secp384r1/);
    refuses({ JWT_ALGORITHM: 'PS256', JWT_PRIVATE_KEY: pemPair('rsa', 1024).privatePem }, 'JWT_PRIVATE_KEY', /2048/);
    refuses({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: rsa.privatePem, JWT_PUBLIC_KEYS: ec.publicPem }, 'JWT_PUBLIC_KEYS', /RSA key/);
  });

  it('refuses a public key of another pair, private keys among the public ones, and unreadable values', () => {
    refuses({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: ec.privatePem, JWT_PUBLIC_KEY: pemPair('ec').publicPem }, 'JWT_PUBLIC_KEY', /does not belong/);
    refuses({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: ec.privatePem, JWT_PUBLIC_KEYS: ec.privatePem }, 'JWT_PUBLIC_KEYS', /private key/);
    refuses({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: join(dir, 'missing.pem') }, 'JWT_PRIVATE_KEY', /neither PEM text nor a readable file/);
    refuses({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----' }, 'JWT_PRIVATE_KEY', /not a private key/);
    refuses({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: ec.privatePem, JWT_PUBLIC_KEYS: join(dir, 'nowhere') }, 'JWT_PUBLIC_KEYS', /nowhere/);
    assert.throws(() => loadSettings(testEnv({ JWT_PUBLIC_KEYS: ec.publicPem })), (error: unknown) => error instanceof SettingsError && error.variable === 'JWT_PUBLIC_KEYS');
    assert.throws(() => loadSettings(testEnv({ JWT_ALGORITHM: 'RS256' })), (error: unknown) => error instanceof SettingsError && error.variable === 'JWT_PRIVATE_KEY');
  });

  it('reads several public keys from PEM text, files and folders', () => {
    const [a, b, c] = [pemPair('ec'), pemPair('ec'), pemPair('ec')];
    const folder = join(dir, 'several');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'b.pem'), b.publicPem);
    writeFileSync(join(dir, 'c.pem'), c.publicPem);
    const kids = (publicKeys: string) =>
      [...loadTokenKeys(loadSettings(testEnv({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: ec.privatePem, JWT_PUBLIC_KEYS: publicKeys }))).verificationKeys.keys()].sort();
    const expected = (...pairs: Array<ReturnType<typeof pemPair>>) => [ec, ...pairs].map((pair) => thumbprint(pair.publicKey)).sort();
    assert.deepEqual(kids(a.publicPem + b.publicPem), expected(a, b));
    assert.deepEqual(kids(`${folder}, ${join(dir, 'c.pem')}`), expected(b, c));
    assert.deepEqual(kids(ec.publicPem), expected(), 'listing the current key again changes nothing');
  });
});

describe('gatehouse keys generate', () => {
  const BIN = join(__dirname, '..', '..', 'bin', 'gatehouse-graphql.js');
  /** The bin, once (the default algorithm); the other runs through the same runCli in this process (a process costs ~0.5 s of CPU). */
  const spawned = (args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...testEnv() } });
    return { code: result.status, out: result.stdout, err: result.stderr };
  };
  const run = (args: string[]) => cliHere(args, {});

  for (const algorithm of ['ES256', 'PS256', undefined]) {
    it(`writes a key pair a server signs with (${algorithm ?? 'default RS256, by the bin'})`, async () => {
      const out = join(dir, `generated-${algorithm ?? 'default'}`);
      const args = ['keys', 'generate', '--out', out, ...(algorithm ? ['--algorithm', algorithm] : [])];
      const result = algorithm ? await run(args) : spawned(args);
      assert.equal(result.code, 0, result.err);
      assert.equal(statSync(join(out, 'private.pem')).mode & 0o777, 0o600, 'the private key is readable by its owner only');
      const kid = /kid (\S+)\./.exec(result.out)?.[1];
      assert.ok(kid, result.out);
      const server = await startTestServer('sqlite', {
        JWT_ALGORITHM: algorithm ?? 'RS256',
        JWT_PRIVATE_KEY: join(out, 'private.pem'),
        JWT_PUBLIC_KEY: join(out, 'public.pem'),
      });
      try {
        await server.createUser({ username: 'gen' });
        const token = assertData(await login(server.url, 'gen')).tokenAuth.token;
        assert.deepEqual(headerOf(token), { alg: algorithm ?? 'RS256', typ: 'JWT', kid });
        await verifyWithJwksOnly(server.url, token, (algorithm ?? 'RS256') as jwt.Algorithm);
      } finally {
        await server.stop();
      }
    });
  }

  it('keeps existing files unless --force, and refuses HS algorithms and unknown ones', async () => {
    const out = join(dir, 'twice');
    assert.equal((await run(['keys', 'generate', '--algorithm', 'ES256', '--out', out])).code, 0);
    const again = await run(['keys', 'generate', '--algorithm', 'ES256', '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already exist/);
    assert.equal((await run(['keys', 'generate', '--algorithm', 'ES256', '--out', out, '--force'])).code, 0);
    const hmac = await run(['keys', 'generate', '--algorithm', 'HS256']);
    assert.equal(hmac.code, 2);
    assert.match(hmac.err, /JWT_SECRET/);
    assert.equal((await run(['keys', 'generate', '--algorithm', 'XX999'])).code, 2);
    const help = await run(['--help']);
    assert.match(help.out, /keys generate/);
  });
});
