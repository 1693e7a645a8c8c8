/**
 * Prometheus metrics (SPEC "Operations"): on METRICS_PORT, never on the API's port; each
 * counter moves by one for a login, a failed login, a rotation, a grace repeat and a reuse;
 * request durations by operation kind; nothing secret or personal in the scrape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { DurationHistogram } from '../src/metrics/duration-histogram';
import { assertData, assertError, gql, login, REFRESH } from './support/http';
import { startTestServer, type TestServer } from './support/server';
import { RawSocket, SESSION_EVENTS } from './support/ws';

/** Every sample of a scrape: `name{labels}` → value. */
async function scrape(url: string): Promise<{ text: string; value(series: string): number }> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1], Number(match[2]));
  }
  return { text, value: (series) => samples.get(series) ?? 0 };
}

const COUNTERS = [
  'gatehouse_logins_total{outcome="success"}',
  'gatehouse_logins_total{outcome="failure"}',
  'gatehouse_logins_total{outcome="rate_limited"}',
  'gatehouse_refreshes_total{outcome="rotated"}',
  'gatehouse_refreshes_total{outcome="grace"}',
  'gatehouse_refreshes_total{outcome="reused"}',
  'gatehouse_refreshes_total{outcome="invalid"}',
  'gatehouse_sessions_ended_total{reason="reused"}',
];

describe('metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { METRICS_PORT: '0' });
  });
  after(() => server.stop());

  it('are served on their own port, not on the API port', async () => {
    assert.ok(server.metricsUrl);
    assert.notEqual(new URL(server.metricsUrl).port, new URL(server.url).port);
    assert.equal(new URL(server.metricsUrl).hostname, new URL(server.url).hostname, 'the same HOST');
    assert.equal((await fetch(new URL('/metrics', server.url))).status, 404);
    assert.equal((await fetch(new URL('/', server.metricsUrl))).status, 404);
    const { text } = await scrape(server.metricsUrl);
    for (const name of ['gatehouse_http_request_duration_seconds_bucket', 'gatehouse_subscriptions_active', 'process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      assert.match(text, new RegExp(`^${name}`, 'm'), name);
    }
  });

  it('each counter moves by one per event; labels hold nothing secret or personal', async () => {
    const username = 'metrics-ada-personal';
    const password = 'correct horse';
    await server.createUser({ username, email: 'ada-personal@example.com' });
    const deltas = async (step: () => Promise<void>) => {
      const before = await scrape(server.metricsUrl!);
      await step();
      const after = await scrape(server.metricsUrl!);
      return Object.fromEntries(COUNTERS.map((series) => [series, after.value(series) - before.value(series)]).filter(([, delta]) => delta !== 0));
    };
    const secrets: string[] = [username, password, 'ada-personal@example.com', '127.0.0.1'];

    let first = '';
    assert.deepEqual(await deltas(async () => {
      const answer = assertData(await login(server.url, username, password));
      first = answer.tokenAuth.refreshToken;
      secrets.push(answer.tokenAuth.token, first, answer.tokenAuth.device.id, answer.tokenAuth.user.id);
    }), { 'gatehouse_logins_total{outcome="success"}': 1 });

    assert.deepEqual(await deltas(async () => {
      assertError(await login(server.url, username, 'wrong password'), 'INVALID_CREDENTIALS');
    }), { 'gatehouse_logins_total{outcome="failure"}': 1 });

    let second = '';
    assert.deepEqual(await deltas(async () => {
      second = assertData(await gql(server.url, REFRESH, { refreshToken: first })).refreshToken.refreshToken;
      secrets.push(second);
    }), { 'gatehouse_refreshes_total{outcome="rotated"}': 1 });

    assert.deepEqual(await deltas(async () => {
      assert.equal(assertData(await gql(server.url, REFRESH, { refreshToken: first })).refreshToken.refreshToken, second);
    }), { 'gatehouse_refreshes_total{outcome="grace"}': 1 });

    server.clock.advance(60_000); // past JWT_REFRESH_REUSE_INTERVAL: a repeat is theft
    assert.deepEqual(await deltas(async () => {
      assertError(await gql(server.url, REFRESH, { refreshToken: first }), 'INVALID_REFRESH_TOKEN', 'REUSED');
    }), { 'gatehouse_refreshes_total{outcome="reused"}': 1, 'gatehouse_sessions_ended_total{reason="reused"}': 1 });

    assert.deepEqual(await deltas(async () => {
      assertError(await gql(server.url, REFRESH, { refreshToken: 'ghd_not-a-token-we-know' }), 'INVALID_REFRESH_TOKEN');
    }), { 'gatehouse_refreshes_total{outcome="invalid"}': 1 });

    const { text } = await scrape(server.metricsUrl!);
    for (const secret of secrets) assert.ok(!text.includes(secret), `the scrape does not hold ${secret.slice(0, 12)}…`);
    // Label values come from fixed lists only.
    const labels = new Set([...text.matchAll(/^gatehouse_\w+\{([^}]*)\}/gm)].flatMap((match) => match[1].split(',').map((pair) => pair.replace(/^le="[^"]*"$/, 'le'))));
    const allowed = /^(le|outcome="(success|failure|rate_limited|rotated|grace|reused|invalid)"|reason="(logout|logout_device|logout_others|revoked|reused|password_changed)"|kind="(query|mutation|subscription|other)")$/;
    for (const label of labels) assert.match(label, allowed);
  });

  it('times requests by operation kind, not by operation name', async () => {
    const before = await scrape(server.metricsUrl!);
    await gql(server.url, 'query NamedByTheClient { __typename }');
    await gql(server.url, 'mutation { verifyToken(token: "x") { payload { sub } } }');
    await fetch(new URL('/healthz', server.url));
    const after = await scrape(server.metricsUrl!);
    for (const kind of ['query', 'mutation', 'other']) {
      const series = `gatehouse_http_request_duration_seconds_count{kind="${kind}"}`;
      assert.ok(after.value(series) - before.value(series) >= 1, series);
    }
    assert.ok(!after.text.includes('NamedByTheClient'));
    assert.ok(!after.text.includes('verifyToken'));
  });

  it('two instances in one process keep their own counts', async () => {
    const other = await startTestServer('sqlite', { METRICS_PORT: '0' });
    try {
      await other.createUser({ username: 'metrics-bob' });
      const mine = (await scrape(server.metricsUrl!)).value('gatehouse_logins_total{outcome="success"}');
      assertData(await login(other.url, 'metrics-bob'));
      assert.equal((await scrape(other.metricsUrl!)).value('gatehouse_logins_total{outcome="success"}'), 1);
      assert.equal((await scrape(server.metricsUrl!)).value('gatehouse_logins_total{outcome="success"}'), mine);
    } finally {
      await other.stop();
    }
  });

  it('the subscriptions gauge follows a sessionEvents subscription over WebSocket', async () => {
    const gauge = 'gatehouse_subscriptions_active';
    const until = async (value: number) => {
      for (let i = 0; i < 100 && (await scrape(server.metricsUrl!)).value(gauge) !== value; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal((await scrape(server.metricsUrl!)).value(gauge), value);
    };
    await server.createUser({ username: 'metrics-ws' });
    const { token } = assertData(await login(server.url, 'metrics-ws')).tokenAuth;
    const start = (await scrape(server.metricsUrl!)).value(gauge);
    const { socket, acked } = await RawSocket.init(server.url, { authorization: `Bearer ${token}` });
    assert.ok(acked);
    socket.subscribe('e', SESSION_EVENTS);
    await until(start + 1);
    socket.close();
    await until(start);
  });

  it('the subscriptions gauge: opened and closed once each', async () => {
    const gauge = 'gatehouse_subscriptions_active';
    const start = (await scrape(server.metricsUrl!)).value(gauge);
    const closed = server.gatehouse.metrics.subscriptionOpened();
    assert.equal((await scrape(server.metricsUrl!)).value(gauge), start + 1);
    closed();
    closed();
    assert.equal((await scrape(server.metricsUrl!)).value(gauge), start);
  });
});

describe('the request-duration histogram', () => {
  it("scrapes as prom-client's own Histogram does for the same observations, edges and +Inf included", async () => {
    const buckets = [0.001, 0.0025, 0.01, 1];
    const kinds = ['query', 'mutation', 'other'] as const;
    const ours = new Registry();
    const theirs = new Registry();
    const histogram = new DurationHistogram({ name: 't_seconds', help: 'Durations.', labelName: 'kind', values: kinds, buckets, registry: ours });
    const reference = new Histogram({ name: 't_seconds', help: 'Durations.', labelNames: ['kind'], buckets, registers: [theirs] });
    for (const kind of kinds) reference.zero({ kind });
    const observations = [0, 0.001, 0.0010001, 0.0025, 0.003, 0.5, 1, 1.5, 60, 0.0001];
    observations.forEach((seconds, i) => {
      histogram.observe(kinds[i % 2], seconds);
      reference.observe({ kind: kinds[i % 2] }, seconds);
    });
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.match(await ours.metrics(), /^t_seconds_bucket\{le="0.001",kind="mutation"\} 2$/m);
    ours.resetMetrics();
    assert.match(await ours.metrics(), /^t_seconds_count\{kind="query"\} 0$/m);
  });
});
