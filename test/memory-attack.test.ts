/**
 * One valid token must not let a client grow the server's memory: 3,000 `verifyToken`
 * calls with the same valid token, each carrying about 90 KiB of unused variables (distinct
 * per request), answer 200 every time and leave the heap (after a full GC) less than
 * 40 MB larger (it grows about 1.5 MB). A server that remembered answers keyed by the
 * request text (the removed verifyToken answer cache) kept about 90 KiB per request, some
 * 260 MB here; one bounded at 1,000 entries, some 88 MB. Issue 13's attack, as measured
 * from outside: 3,000 calls, the bound stricter than its 100 MB of RSS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startTestServer, type TestServer } from './support/server';
import { assertData, login, send, VERIFY } from './support/http';

const REQUESTS = 3_000;
const CONCURRENCY = 8;
const UNUSED_BYTES = 90 * 1024;
const MAX_GROWTH_BYTES = 40 * 1024 * 1024;

/** A full garbage collection, or null when it cannot be had (then RSS is measured instead). */
function collector(): (() => void) | null {
  if (typeof global.gc === 'function') return global.gc;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/** The server's memory, in this process: the heap after a full GC, else RSS. */
function memory(gc: (() => void) | null): number {
  if (!gc) return process.memoryUsage().rss;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('memory under one valid token and large unused variables', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite');
    await server.createUser({ username: 'ada' });
  });
  after(async () => {
    await server?.stop();
  });

  it(`${REQUESTS} verifyToken calls with ~90 KiB of unused variables each: no 5xx, growth < 40 MB`, async () => {
    const token = assertData(await login(server.url, 'ada')).tokenAuth.token as string;
    const filler = 'x'.repeat(UNUSED_BYTES);
    const call = async (i: number) => {
      // Distinct per request: the request text never repeats.
      const variables = { token, unused: `${i}:${filler}`, more: [i, i + 1] };
      const response = await send(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: VERIFY, variables }),
      });
      const body = JSON.parse(response.text) as { data?: { verifyToken?: { payload?: { username?: string } } }; errors?: unknown };
      return { status: response.status, username: body.data?.verifyToken?.payload?.username, errors: body.errors };
    };

    // Warm up (JIT, pools, the verified-token cache) before the baseline.
    for (let i = 0; i < 50; i++) await call(-1 - i);
    const gc = collector();
    const baseline = memory(gc);
    const rssBefore = process.memoryUsage().rss;

    const statuses = new Map<number, number>();
    let wrong = 0;
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        const answer = await call(next++);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.username !== 'ada' || answer.errors !== undefined) wrong++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const growth = memory(gc) - baseline;
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    const measured = `${gc ? 'heap after GC' : 'RSS'} grew ${mb(growth)}`;
    console.log(`# ${REQUESTS} verifyToken calls with ${UNUSED_BYTES / 1024} KiB unused variables: ${measured} (RSS ${mb(process.memoryUsage().rss - rssBefore)})`);
    assert.deepEqual([...statuses], [[200, REQUESTS]], 'every request answered 200');
    assert.equal(wrong, 0, 'every answer is the payload of the token');
    assert.ok(growth < MAX_GROWTH_BYTES, measured);
  });
});
