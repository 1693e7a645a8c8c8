/** The session cache's maps: entries end after their TTL, and the map stays bounded in entries and bytes. */
import { systemClock } from '../src/util/clock';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SessionCache, type DeviceSnapshot } from '../src/sessions/cache';
import { estimateBytes } from '../src/util/estimate-bytes';
import { TtlMap } from '../src/util/ttl-map';

const bounds = { ttlMs: 1000, maxEntries: 100, maxBytes: 10_000, sizeOf: (key: string, value: string) => 2 * (key.length + value.length) };

it('an entry ends ttlMs after it was set, and setting it again starts it afresh', () => {
  const map = new TtlMap<string>(bounds);
  map.set('a', 'x', 0);
  assert.equal(map.get('a', 999), 'x');
  assert.equal(map.get('a', 1000), undefined);
  assert.equal(map.size, 0, 'an ended entry is dropped when read');
  map.set('a', 'x', 0);
  map.set('a', 'y', 500);
  assert.equal(map.get('a', 1499), 'y');
});

it('remembers nothing with a TTL of 0', () => {
  const map = new TtlMap<string>({ ...bounds, ttlMs: 0 });
  map.set('a', 'x', 0);
  assert.equal(map.get('a', 0), undefined);
});

it('holds at most maxBytes, forgetting the least recently set first', () => {
  // Each entry: 2 * (1 + 99) = 200 bytes, plus 16 for its deadline.
  const map = new TtlMap<string>({ ...bounds, maxBytes: 3 * 216 });
  for (const key of ['a', 'b', 'c', 'd']) map.set(key, 'v'.repeat(99), 0);
  assert.deepEqual(['a', 'b', 'c', 'd'].map((key) => map.get(key, 1) !== undefined), [false, true, true, true]);
  assert.equal(map.bytes, 3 * 216);
  map.set('big', 'v'.repeat(1000), 0);
  assert.equal(map.get('big', 1), undefined, 'larger than the budget alone: not kept');
  assert.equal(map.size, 3);
});

it('SessionCache: each kind of snapshot is bounded in bytes', () => {
  const device = (id: string): DeviceSnapshot => ({ id, userId: 'u', revoked: false, expiresAt: 10_000, lastSeenAt: 0 });
  const one = 2 * 'd0'.length + estimateBytes(device('d0')) + 16;
  const cache = new SessionCache(60, systemClock, 1000, 5 * one);
  for (let i = 0; i < 10; i++) cache.rememberDevice(device(`d${i}`), 0);
  const kept = Array.from({ length: 10 }, (_, i) => cache.device(`d${i}`, 1) !== undefined);
  assert.deepEqual(kept, [false, false, false, false, false, true, true, true, true, true]);
});
