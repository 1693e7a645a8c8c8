/** The bounded LRU behind the verified-token and verifyToken-answer memories. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { LruMap } from '../src/util/lru-map';

it('forgets the least recently used entry first', () => {
  const lru = new LruMap<number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  assert.equal(lru.get('a'), 1);
  lru.set('c', 3);
  assert.deepEqual([lru.get('a'), lru.get('b'), lru.get('c')], [1, undefined, 3]);
  assert.equal(lru.size, 2);
});

it('never holds more than maxEntries, and an entry used within every maxEntries/2 insertions stays', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 200 }), (max, keys) => {
      const lru = new LruMap<number>(max);
      const half = Math.max(1, Math.floor(max / 2));
      lru.set('kept', -1);
      let since = 0;
      for (const key of keys) {
        lru.set(String(key), key);
        assert.ok(lru.size <= max);
        assert.equal(lru.get(String(key)), key, 'the newest entry is there');
        if (max >= 2 && ++since >= half) {
          assert.equal(lru.get('kept'), -1, 'an entry used every maxEntries/2 insertions is kept');
          since = 0;
        }
      }
    }),
  );
});

it('remembers nothing with maxEntries 0', () => {
  const lru = new LruMap<number>(0);
  lru.set('a', 1);
  assert.equal(lru.get('a'), undefined);
  assert.equal(lru.size, 0);
});
