/**
 * Structured logs: one line per request with its id (also the X-Request-Id response
 * header), audit lines for logins and refresh-token reuse, and never a password or token.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { audit, createLogger, loadSettings, SettingsError, startGatehouse, type RunningGatehouse } from 'gatehouse-graphql';
import { createUser } from '../src/users/create';
import { formatRequestLine, requestLines, type RequestLineFields } from '../src/logging/logger';
import { LogSink } from '../src/logging/sink';
import { testEnv } from './support/server';
import { assertData, assertError, bearer, gql, login, ME, REFRESH } from './support/http';

type Line = Record<string, unknown> & { msg: string; level: number };

/** A pino destination that keeps every line, as text and parsed. */
function capture() {
  const text: string[] = [];
  return {
    text,
    stream: { write: (line: string) => void text.push(line) },
    lines: (): Line[] => text.map((line) => JSON.parse(line)),
  };
}

describe('logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-logs-'));
  const logs = capture();
  let running: RunningGatehouse;
  let url: string;
  const PASSWORD = 'log-test password 9f3b';

  before(async () => {
    const settings = loadSettings(testEnv({ DATABASE_URL: `sqlite:${join(dir, 'logs.sqlite')}`, GATEHOUSE_DATA_DIR: dir, LOG_LEVEL: 'info', JWT_REFRESH_REUSE_INTERVAL: '0s' }));
    running = await startGatehouse({ settings, logger: createLogger(settings, logs.stream) });
    url = running.url;
    await createUser(running.gatehouse.orm.em.fork(), { username: 'logan', password: PASSWORD }, 4);
  });
  after(async () => {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const since = (mark: number) => logs.lines().slice(mark);

  it('one line per request, with the id that the response carries', async () => {
    const mark = logs.text.length;
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    await response.text();
    const requestId = response.headers.get('x-request-id');
    assert.match(requestId ?? '', /^[0-9a-f-]{36}$/);
    await new Promise((resolve) => setImmediate(resolve));
    const lines = since(mark).filter((line) => line.msg === 'request');
    assert.equal(lines.length, 1);
    assert.deepEqual(
      { reqId: lines[0].reqId, method: lines[0].method, path: lines[0].path, status: lines[0].status, op: lines[0].op },
      { reqId: requestId, method: 'POST', path: '/graphql', status: 200, op: 'query __typename' },
    );
    assert.equal(typeof lines[0].ms, 'number');
    assert.equal(lines[0].service, 'gatehouse');
  });

  it('keeps a caller-given X-Request-Id that is a plain token, replaces anything else', async () => {
    const kept = await fetch(url.replace('/graphql', '/healthz'), { headers: { 'x-request-id': 'edge-42.abc' } });
    assert.equal(kept.headers.get('x-request-id'), 'edge-42.abc');
    const replaced = await fetch(url.replace('/graphql', '/healthz'), { headers: { 'x-request-id': 'x'.repeat(200) } });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('audits login success and failure, and refresh-token reuse, without secrets', async () => {
    const mark = logs.text.length;
    const ok = assertData(await login(url, 'logan', PASSWORD, {}, 'log laptop')).tokenAuth;
    assertError(await login(url, 'logan', 'wrong ' + PASSWORD), 'INVALID_CREDENTIALS');
    assertData(await gql(url, ME, {}, bearer(ok.token)));
    const rotated = assertData(await gql(url, REFRESH, { refreshToken: ok.refreshToken })).refreshToken;
    await new Promise((resolve) => setTimeout(resolve, 5)); // past the 0 s grace window
    assertError(await gql(url, REFRESH, { refreshToken: ok.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REUSED');
    await new Promise((resolve) => setImmediate(resolve));

    const lines = since(mark);
    const audits = lines.filter((line) => line.audit);
    const pick = (line: Line) => Object.fromEntries(['audit', 'userId', 'username', 'deviceId', 'reason'].filter((key) => key in line).map((key) => [key, line[key]]));
    assert.deepEqual(audits.map(pick), [
      { audit: 'login.succeeded', userId: ok.user.id, username: 'logan', deviceId: ok.device.id },
      { audit: 'login.failed', username: 'logan', reason: 'INVALID_CREDENTIALS' },
      { audit: 'refresh.reused', userId: ok.user.id, deviceId: ok.device.id, reason: 'REUSED' },
    ]);
    // Every audit line belongs to a request line with the same id.
    const requestIds = new Set(lines.filter((line) => line.msg === 'request').map((line) => line.reqId));
    for (const line of audits) assert.ok(requestIds.has(line.reqId), `audit line ${line.audit} has a request id`);
    assert.equal(lines.filter((line) => line.msg === 'request').length, 5);

    const text = logs.text.join('');
    for (const secret of [PASSWORD, ok.token, ok.refreshToken, ok.refreshToken.slice(4), rotated.token, rotated.refreshToken, ok.token.split('.')[2]]) {
      assert.equal(text.includes(secret), false, 'a secret reached the log');
    }
  });

  it('audits logouts and password changes, without the passwords', async () => {
    const mark = logs.text.length;
    const first = assertData(await login(url, 'logan', PASSWORD)).tokenAuth;
    const second = assertData(await login(url, 'logan', PASSWORD)).tokenAuth;
    assert.equal(assertData(await gql(url, 'mutation { logout }', {}, bearer(first.token))).logout, true);
    const NEW_PASSWORD = 'a brand new passphrase 7c1d';
    const changed = await gql(url, 'mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) }', { o: PASSWORD, n: NEW_PASSWORD }, bearer(second.token));
    assertData(changed);
    await new Promise((resolve) => setImmediate(resolve));
    const audits = since(mark).filter((line) => line.audit && line.audit !== 'login.succeeded');
    assert.deepEqual(
      audits.map((line) => [line.audit, line.userId, line.deviceId]),
      [
        ['logout', first.user.id, first.device.id],
        ['password.changed', first.user.id, undefined],
      ],
    );
    const text = logs.text.join('');
    for (const secret of [PASSWORD, NEW_PASSWORD, first.token, second.token, first.refreshToken, second.refreshToken]) {
      assert.equal(text.includes(secret), false, 'a secret reached the log');
    }
  });

  it('audit() writes only the allowed fields, so a careless caller cannot log a secret', () => {
    const out = capture();
    const log = createLogger({ logging: { level: 'info' } }, out.stream);
    audit(log, 'password.changed', { userId: 'u1', password: 'hunter2', token: 'eyJ...' } as never);
    assert.deepEqual(Object.keys(out.lines()[0]).sort(), ['audit', 'level', 'msg', 'service', 'time', 'userId']);
    assert.equal(out.text.join('').includes('hunter2'), false);
    // And pino's redaction catches a secret logged by hand.
    log.info({ password: 'hunter2', headers: { authorization: 'Bearer x' } }, 'oops');
    assert.equal(out.text.join('').includes('hunter2'), false);
    assert.equal(out.text.join('').includes('Bearer x'), false);
  });

  it('LOG_LEVEL picks the lowest level written; a bad value names the variable', () => {
    const out = capture();
    const log = createLogger(loadSettings({ LOG_LEVEL: 'warn' }), out.stream);
    log.info('hidden');
    log.warn('shown');
    assert.deepEqual(out.lines().map((line) => line.msg), ['shown']);
    assert.equal(loadSettings({}).logging.level, 'info');
    assert.throws(() => loadSettings({ LOG_LEVEL: 'loud' }), (error: SettingsError) => error.variable === 'LOG_LEVEL');
  });

  it('a request line built by hand is the line pino writes for the same fields, whatever they hold', () => {
    const samples: RequestLineFields[] = [
      { reqId: 'edge-42.abc', method: 'POST', path: '/graphql', status: 200, ms: 4.25, op: 'query me,devices', ip: '127.0.0.1' },
      { reqId: 'r2', method: 'GET', path: '/x"y\\z\u00e9\u2028', status: 404, ms: 0, op: undefined, ip: null, aborted: true },
      { reqId: 'r3', method: undefined, path: '/graphql', status: 503, ms: 1234.5, op: 'mutation tokenAuth', ip: '2001:db8::1' },
    ];
    for (const fields of samples) {
      const byPino = capture();
      createLogger({ logging: { level: 'info' } }, byPino.stream).info({ ...fields }, 'request');
      const parsedPino = JSON.parse(byPino.text[0]);
      const byHand = formatRequestLine(fields, 30, Date.parse(parsedPino.time));
      assert.equal(byHand, byPino.text[0]);
    }
  });

  it('request lines of a logger createLogger made follow its level: info, and error for a 5xx answer', () => {
    const out = capture();
    const log = createLogger({ logging: { level: 'warn' } }, out.stream);
    const lines = requestLines(log);
    lines({ reqId: 'a', method: 'GET', path: '/healthz', status: 200, ms: 1, op: undefined, ip: null });
    lines({ reqId: 'b', method: 'POST', path: '/graphql', status: 500, ms: 1, op: 'query me', ip: null });
    assert.deepEqual(out.lines().map((line) => [line.reqId, line.level]), [['b', 50]]);
  });

  it('the log sink writes whole lines, in order, once its buffer is full and when flushed', () => {
    const file = join(dir, 'sink.log');
    const fd = openSync(file, 'w');
    const sink = new LogSink(fd, 64, 60_000);
    try {
      sink.write('{"n":1}\n');
      assert.equal(readFileSync(file, 'utf8'), '', 'buffered');
      const long = `{"n":2,"pad":"${'é'.repeat(100)}"}\n`;
      sink.write(long);
      assert.equal(readFileSync(file, 'utf8'), '{"n":1}\n' + long, 'written once past the buffer size');
      sink.write('{"n":3}\n');
      sink.flush();
      assert.equal(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).n).join(), '1,2,3');
    } finally {
      sink.end();
      closeSync(fd);
    }
  });
});
