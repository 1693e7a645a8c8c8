/** The bounded LRU behind the verified-token and session caches: bounded in entries and in bytes. */
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

it('never holds more than maxBytes, forgets the oldest first, and keeps the newest entry when it fits alone', () => {
  // Sets and deletes only, so the use order is the insertion order: a list model says what is kept.
  const op = fc.oneof(
    fc.record({ set: fc.integer({ min: 0, max: 20 }), size: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ del: fc.integer({ min: 0, max: 20 }) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 100 }), fc.array(op, { maxLength: 200 }), (maxEntries, maxBytes, ops) => {
      const lru = new LruMap<number>(maxEntries, { maxBytes, sizeOf: (_key, size) => size });
      let model: Array<{ key: string; size: number }> = [];
      for (const step of ops) {
        if ('del' in step) {
          lru.delete(String(step.del));
          model = model.filter((entry) => entry.key !== String(step.del));
          continue;
        }
        const key = String(step.set);
        lru.set(key, step.size);
        model = model.filter((entry) => entry.key !== key);
        if (step.size <= maxBytes) {
          const total = () => model.reduce((sum, entry) => sum + entry.size, 0);
          while (model.length >= maxEntries || total() + step.size > maxBytes) model.shift();
          model.push({ key, size: step.size });
        }
        assert.ok(lru.bytes <= maxBytes, `${lru.bytes} bytes held, at most ${maxBytes}`);
        assert.ok(lru.size <= maxEntries);
        assert.equal(lru.get(key), step.size <= maxBytes ? step.size : undefined, 'the newest entry is there if it fits alone');
      }
      assert.equal(lru.bytes, model.reduce((sum, entry) => sum + entry.size, 0));
      for (let key = 0; key <= 20; key++) {
        assert.equal(lru.get(String(key)), model.find((entry) => entry.key === String(key))?.size, `entry ${key}`);
      }
    }),
  );
});

it('counts 2 bytes per key character by default, and forgets what it held on clear', () => {
  const lru = new LruMap<object>(10, { maxBytes: 8 });
  lru.set('ab', {});
  lru.set('cd', {});
  assert.equal(lru.bytes, 8);
  lru.set('e', {});
  assert.deepEqual([lru.get('ab'), lru.bytes], [undefined, 6]);
  lru.set('too-long', {});
  assert.equal(lru.get('too-long'), undefined, 'larger than maxBytes alone: not kept');
  lru.clear();
  assert.deepEqual([lru.size, lru.bytes], [0, 0]);
});
