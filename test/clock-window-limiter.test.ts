/**
 * The in-memory login limiter's counter: a fixed window on the instance's clock (a moved
 * clock ends it, no sleeping), rewards and deletes, and bounds in entries and bytes that
 * forget the least recently used windows first.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { ClockWindowLimiter } from '../src/ratelimit/clock-window-limiter';
import { ManualClock } from '../src/util/clock';

it('counts in a fixed window that ends when the clock passes it', async () => {
  const clock = new ManualClock(1_000_000);
  const limiter = new ClockWindowLimiter({ points: 2, duration: 60, keyPrefix: 't:', clock });
  await limiter.consume('a');
  await limiter.consume('a');
  const refused = await limiter.consume('a').then(() => null, (error: unknown) => error);
  assert.ok(refused instanceof RateLimiterRes, 'the third point is refused');
  assert.equal(refused.msBeforeNext, 60_000);
  clock.advance(30_000);
  assert.equal((await limiter.consume('a').catch((error: RateLimiterRes) => error)).msBeforeNext, 30_000, 'still the same window');
  clock.advance(30_000);
  assert.equal((await limiter.consume('a')).remainingPoints, 1, 'a new window once the old one ended');
  await limiter.consume('b'); // keys are counted apart
  assert.equal((await limiter.get('b'))?.consumedPoints, 1);
});

it('rewards give points back and delete forgets a key', async () => {
  const limiter = new ClockWindowLimiter({ points: 1, duration: 60, keyPrefix: 't:', clock: new ManualClock() });
  await limiter.consume('a');
  await limiter.reward('a', 1);
  await limiter.consume('a');
  assert.equal(await limiter.delete('a'), true);
  assert.equal(await limiter.delete('a'), false);
  await limiter.consume('a');
});

it('is bounded: a flood of new keys forgets the least recently used windows', async () => {
  const limiter = new ClockWindowLimiter({ points: 1, duration: 60, keyPrefix: 't:', clock: new ManualClock(), maxEntries: 1000, maxBytes: 10_000 });
  await limiter.consume('victim');
  for (let i = 0; i < 5000; i++) await limiter.penalty(`flood-${i}`);
  assert.equal(await limiter.get('victim'), null, 'the oldest window was forgotten');
  const windows = (limiter as unknown as { windows: { size: number; bytes: number } }).windows;
  assert.ok(windows.bytes <= 10_000, `${windows.bytes} bytes`);
  assert.ok(windows.size <= 1000);
});
