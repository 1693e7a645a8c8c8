/** Random text for tokens (src/util/random-text.ts): the asked length, never the same twice across pool refills. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { randomBase64url } from '../src/util/random-text';

it('gives base64url text of the asked bytes, distinct across many refills of its pool', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const text = randomBase64url(i % 2 ? 32 : 16);
    assert.match(text, i % 2 ? /^[A-Za-z0-9_-]{43}$/ : /^[A-Za-z0-9_-]{22}$/);
    seen.add(text);
  }
  assert.equal(seen.size, 2000);
  assert.notEqual(randomBase64url(32), 'A'.repeat(43), 'never the zeroed pool');
  for (const bad of [0, 65, 1.5]) assert.throws(() => randomBase64url(bad), RangeError);
});
