/**
 * Access tokens are signed on node:crypto (src/tokens/access/jws.ts, sign.ts) for every
 * algorithm of the contract: what jsonwebtoken verifies, the same bytes as jsonwebtoken's
 * own signature where the algorithm is deterministic (HS, RS), and what Gatehouse verifies.
 */
import assert from 'node:assert/strict';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { type Algorithm, loadSettings } from '../src/settings';
import { signAccessToken } from '../src/tokens/access/sign';
import { verifyAccessToken } from '../src/tokens/access/verify';
import { thumbprint, type TokenKeys } from '../src/tokens/keys';
import { sharedPair } from './support/jwt';
import { testEnv } from './support/server';

const CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

function keysFor(algorithm: Algorithm): TokenKeys & { jwtKey: KeyObject; jwtPublic: KeyObject } {
  if (algorithm.startsWith('HS')) {
    const key = createSecretKey(Buffer.from('a-secret-that-is-long-enough-for-every-hs-size-0123456789-0123456789'));
    return { algorithm, signingKey: key, verificationKey: key, kid: undefined, verificationKeys: new Map(), jwtKey: key, jwtPublic: key };
  }
  const pair = algorithm.startsWith('ES') ? sharedPair('ec', CURVES[algorithm]) : sharedPair('rsa');
  const kid = thumbprint(pair.publicKey);
  return { algorithm, signingKey: pair.privateKey, verificationKey: pair.publicKey, kid, verificationKeys: new Map([[kid, pair.publicKey]]), jwtKey: pair.privateKey, jwtPublic: pair.publicKey };
}

describe('access tokens signed on node:crypto', () => {
  const settings = loadSettings(testEnv());
  const now = Math.floor(Date.now() / 1000);
  for (const algorithm of ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const) {
    it(`${algorithm}: jsonwebtoken verifies it${/^(HS|RS)/.test(algorithm) ? ' and signs the same bytes' : ''}, and so does Gatehouse`, () => {
      const keys = keysFor(algorithm);
      const { token, claims } = signAccessToken({ userId: 'u1', username: 'ada', origIat: now, sid: 'd1' }, settings, keys, now);
      const verified = jwt.verify(token, keys.jwtPublic, { algorithms: [algorithm] }) as Record<string, unknown>;
      assert.deepEqual(verified, { ...claims });
      if (/^(HS|RS)/.test(algorithm)) assert.equal(token, jwt.sign(claims, keys.jwtKey, { algorithm, ...(keys.kid ? { keyid: keys.kid } : {}) }));
      const ours = verifyAccessToken(token, settings, keys, now);
      assert.ok(ours.ok && ours.claims.sid === 'd1');
      const at = token.length - 2; // a character of the signature's middle bits
      const tampered = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
      assert.equal(verifyAccessToken(tampered, settings, keys, now).ok, false);
    });
  }
});
