import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings, parseDuration, SettingsError } from '../src/settings';

describe('settings', () => {
  it('parses the durations of the contract', () => {
    assert.deepEqual(['300', '300s', '5m', '12h', '7d'].map(parseDuration), [300, 300, 300, 43200, 604800]);
    for (const bad of ['soon', '5 minutes', '-5m', '1.5h', '', '5w']) assert.equal(parseDuration(bad), null, bad);
  });

  it('has the documented defaults', () => {
    const s = loadSettings({});
    assert.equal(s.algorithm, 'HS256');
    assert.equal(s.expirationDelta, 300);
    assert.equal(s.refreshExpirationDelta, 7 * 86400);
    assert.equal(s.allowRefresh, true);
    assert.equal(s.leeway, 0);
    assert.equal(s.authHeaderPrefix, 'Bearer');
    assert.equal(s.sessionExpirationAccuracy, 1800);
    assert.equal(s.refreshReuseInterval, 10);
    assert.equal(s.bcryptRounds, 12);
    assert.equal(s.databaseUrl, 'sqlite:./data/gatehouse.sqlite');
    assert.equal(s.redisUrl, null);
    assert.equal(s.port, 4000);
    assert.equal(s.host, '127.0.0.1');
    assert.equal(s.nodeEnv, 'development');
    assert.equal(s.workerNice, 10);
    assert.equal(s.benchEventLoop, false);
  });

  it('names the variable of a bad value', () => {
    const cases: Record<string, string> = {
      JWT_EXPIRATION_DELTA: 'soon',
      JWT_ALGORITHM: 'none',
      JWT_ALLOW_REFRESH: 'maybe',
      BCRYPT_ROUNDS: '3',
      PORT: '70000',
      DATABASE_URL: 'mysql://x',
      NODE_ENV: 'staging',
      GATEHOUSE_WORKER_NICE: '20',
      GATEHOUSE_BENCH_EVENT_LOOP: 'sometimes',
    };
    for (const [name, value] of Object.entries(cases)) {
      assert.throws(() => loadSettings({ [name]: value }), (error: unknown) => error instanceof SettingsError && error.variable === name && error.message.includes(name));
    }
  });

  it('a bad value stops start-up with one clear line and a non-zero exit', () => {
    const main = join(__dirname, '..', 'src', 'server', 'main.js');
    const result = spawnSync(process.execPath, [main], { env: { ...process.env, JWT_EXPIRATION_DELTA: 'soon' }, encoding: 'utf8', timeout: 20_000 });
    assert.notEqual(result.status, 0);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /JWT_EXPIRATION_DELTA/);
  });
});
