/** SHA-256 as the stored token hashes use it (src/util/sha256.ts): the same text as createHash, on every Node. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { sha256 } from '../src/util/sha256';
import { hashRefreshToken } from '../src/tokens/refresh/opaque';

it('hashes the UTF-8 bytes of the text, as hex or base64url, exactly as createHash does', () => {
  for (const text of ['', 'ghd_' + 'A'.repeat(43), 'Zoë@example.com', '日本語 ✓ 😀', 'nul\u0000inside']) {
    assert.equal(sha256(text, 'hex'), createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
    assert.equal(sha256(text, 'base64url'), createHash('sha256').update(Buffer.from(text, 'utf8')).digest('base64url'));
  }
  // The known answer (FIPS 180-2, "abc"), so a wrong algorithm fails even where both sides agree.
  assert.equal(sha256('abc', 'hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  // A stored refresh-token hash is this function's hex: rows written before this change still match.
  assert.equal(hashRefreshToken('ghd_' + 'A'.repeat(43)), createHash('sha256').update('ghd_' + 'A'.repeat(43), 'utf8').digest('hex'));
});
