/**
 * The sealed successor of the grace window (src/tokens/refresh/successor.ts): it opens
 * with the token it replaced and with no other, holds nothing of the successor in clear,
 * and values of another form open to nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateRefreshToken, hashRefreshToken } from '../src/tokens/refresh/opaque';
import { openSuccessor, sealSuccessor } from '../src/tokens/refresh/successor';

describe('sealed successors', () => {
  it('open with the replaced token only; a wrong token opens to a token of another hash', () => {
    const previous = generateRefreshToken('device');
    const successor = generateRefreshToken('device');
    const sealed = sealSuccessor(successor, previous);
    assert.equal(openSuccessor(sealed, previous), successor);
    assert.ok(!sealed.includes(successor.slice(4)), 'no part of the successor in clear');
    const wrong = openSuccessor(sealed, generateRefreshToken('device'));
    assert.notEqual(wrong && hashRefreshToken(wrong), hashRefreshToken(successor));
  });

  it('the pad differs per replaced token', () => {
    const successor = generateRefreshToken('device');
    assert.notEqual(sealSuccessor(successor, generateRefreshToken('device')), sealSuccessor(successor, generateRefreshToken('device')));
  });

  it('other forms open to nothing; only refresh tokens are sealed', () => {
    const previous = generateRefreshToken('device');
    assert.equal(openSuccessor('AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB.CCCC', previous), null, 'an AES-GCM seal of earlier versions');
    assert.equal(openSuccessor('v2.ghd_short', previous), null);
    assert.throws(() => sealSuccessor('not a token', previous), TypeError);
  });
});
