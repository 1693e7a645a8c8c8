/**
 * `tokens clear` in batches, on SQLite and PostgreSQL: short transactions of bounded size,
 * progress after each, a stop between batches that loses nothing, and a second run that
 * goes on where the first stopped; live sessions are never touched.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clearTokens, MAX_REST_MS } from '../src/maintenance/clear-tokens';
import { ManualClock } from '../src/util/clock';
import { describeEachDatabase } from './support/server';
import { assertData, bearer, gql, login, ME, REFRESH } from './support/http';

describeEachDatabase('tokens clear in batches', {}, (server) => {
  it('stops between batches, resumes, and keeps live sessions', async () => {
    const s = server();
    await s.createUser({ username: 'many' });
    const sessions = [];
    for (let i = 0; i < 7; i++) sessions.push(assertData(await login(s.url, 'many', undefined, {}, `d${i}`)).tokenAuth);
    const [keep, ...ended] = sessions;
    // Two of them rotate first, so an ended device has several tokens.
    for (const session of ended.slice(0, 2)) assertData(await gql(s.url, REFRESH, { refreshToken: session.refreshToken }));
    assert.equal(assertData(await gql(s.url, 'mutation { logoutOtherDevices }', {}, bearer(keep.token))).logoutOtherDevices, 6);

    const progress: number[] = [];
    let batches = 0;
    const first = await clearTokens(s.gatehouse.orm, {
      nowMs: s.clock.now(),
      reuseIntervalSeconds: 10,
      batchSize: 2,
      onProgress: (so) => progress.push(so.devices),
      shouldStop: () => batches++ >= 2,
    });
    assert.equal(first.stopped, true);
    assert.equal(first.devices, 4, 'two batches of two devices');
    assert.deepEqual(progress, [2, 4]);
    const second = await clearTokens(s.gatehouse.orm, { nowMs: s.clock.now(), reuseIntervalSeconds: 10, batchSize: 2 });
    assert.equal(second.stopped, false);
    assert.equal(first.devices + second.devices, 6, 'every ended device, once');
    assert.equal(first.tokens + second.tokens, 8, 'with its tokens: six first ones and two rotated');
    const left = await s.sql<{ n: number }>('select count(*) as n from gatehouse_device');
    assert.equal(Number(left[0].n), 1, 'only the live device is left');
    assertData(await gql(s.url, ME, {}, bearer(keep.token)));
    assertData(await gql(s.url, REFRESH, { refreshToken: keep.refreshToken }));
    assert.deepEqual(await clearTokens(s.gatehouse.orm, { nowMs: s.clock.now(), reuseIntervalSeconds: 10 }), { tokens: 0, devices: 0, sealed: 0, stopped: false });
    // Past the grace window, the rotated token of the live device loses its sealed successor (issue 15).
    const past = await clearTokens(s.gatehouse.orm, { nowMs: s.clock.now() + 11_000, reuseIntervalSeconds: 10 });
    assert.equal(past.sealed, 1);
    assert.equal((await s.sql('select id from gatehouse_refresh_token where sealed_successor is not null')).length, 0);
  });

  it('expired devices go too, measured by the clock it is given', async () => {
    const s = server();
    await s.createUser({ username: 'idle' });
    const idle = assertData(await login(s.url, 'idle')).tokenAuth;
    await clearTokens(s.gatehouse.orm, { nowMs: s.clock.now(), reuseIntervalSeconds: 10 });
    const devices = async () => Number((await s.sql<{ n: number }>('select count(*) as n from gatehouse_device'))[0].n);
    const live = await devices();
    assert.ok(live >= 1, 'nothing live is cleared');
    const later = s.clock.now() + s.settings.tokens.refreshLifetime * 1000 + 1000;
    const cleared = await clearTokens(s.gatehouse.orm, { nowMs: later, reuseIntervalSeconds: 10 });
    assert.equal(cleared.devices, live, 'a week later every device of this database has expired');
    assert.equal(await devices(), 0);
    assert.equal((await s.sql(`select id from gatehouse_refresh_token where device_id = '${idle.device.id}'`)).length, 0);
  });

  it('rests after each batch `rest` times as long as the batch took, at most MAX_REST_MS, on the clock it is given', async () => {
    const s = server();
    await s.createUser({ username: 'resting' });
    const sessions = [];
    for (let i = 0; i < 4; i++) sessions.push(assertData(await login(s.url, 'resting', undefined, {}, `r${i}`)).tokenAuth);
    assert.equal(assertData(await gql(s.url, 'mutation { logoutOtherDevices }', {}, bearer(sessions[0].token))).logoutOtherDevices, 3);
    // Each batch "takes" the next of these (the clock moves while it runs), so the rests are
    // 2 x 10 = 20 ms, min(2 x 700, MAX_REST_MS) and 2 x 10 = 20 ms.
    const took = [10, 700, 10];
    const clock = new ManualClock(s.clock.now());
    const start = clock.now();
    const marks: number[] = [];
    const cleared = await clearTokens(s.gatehouse.orm, {
      nowMs: s.clock.now(), reuseIntervalSeconds: 10, batchSize: 1, rest: 2, clock,
      onProgress: () => {
        clock.advance(took[marks.length]);
        marks.push(clock.now() - start);
      },
    });
    assert.equal(cleared.devices, 3);
    assert.equal(MAX_REST_MS, 1000);
    assert.deepEqual(marks, [10, 10 + 20 + 700, 10 + 20 + 700 + 1000 + 10]);
    assert.equal(clock.now() - start, 10 + 20 + 700 + 1000 + 10 + 20, 'and the rest after the last batch');
  });
});
