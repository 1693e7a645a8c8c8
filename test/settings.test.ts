import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings, parseDuration, SETTINGS, SettingsError, settingsWith, unknownSettings, type Settings } from '../src/settings';

const ROOT = join(__dirname, '..', '..');

/**
 * The contract's settings table (SPEC.md, "Settings (environment variables)"), row by row:
 * the variables and their defaults as the contract writes them; null: no default value.
 */
const CONTRACT: Array<[string, string | null]> = [
  ['JWT_SECRET', null],
  ['JWT_ALGORITHM', 'HS256'],
  ['JWT_PRIVATE_KEY', null], ['JWT_PUBLIC_KEY', null],
  ['JWT_EXPIRATION_DELTA', '5m'],
  ['JWT_REFRESH_EXPIRATION_DELTA', '7d'],
  ['JWT_ALLOW_REFRESH', 'true'],
  ['JWT_LEEWAY', '0s'],
  ['JWT_AUDIENCE', null], ['JWT_ISSUER', null],
  ['JWT_AUTH_HEADER_PREFIX', 'Bearer'],
  ['JWT_SESSION_EXPIRATION_ACCURACY', '30m'],
  ['JWT_REFRESH_REUSE_INTERVAL', '10s'],
  ['BCRYPT_ROUNDS', '12'],
  ['DATABASE_URL', 'sqlite:./data/gatehouse.sqlite'],
  ['REDIS_URL', null],
  ['PORT', '4000'], ['HOST', '127.0.0.1'],
  ['NODE_ENV', 'development'],
];

const refusal = (variable: string) => (error: unknown) => {
  assert.ok(error instanceof SettingsError, String(error));
  assert.equal(error.variable, variable);
  assert.match(error.message, new RegExp(`^Invalid setting ${variable}: `));
  return true;
};

describe('settings', () => {
  it('parses the durations of the contract', () => {
    assert.deepEqual(['300', '300s', '5m', '12h', '7d'].map(parseDuration), [300, 300, 300, 43200, 604800]);
    for (const bad of ['soon', '5 minutes', '-5m', '1.5h', '', '5w']) assert.equal(parseDuration(bad), null, bad);
  });

  it('has the documented defaults, in typed groups', () => {
    const s = loadSettings({});
    assert.deepEqual(s.tokens, {
      secret: null, algorithm: 'HS256', privateKey: null, publicKey: null, publicKeys: null,
      accessLifetime: 300, refreshLifetime: 7 * 86400, allowRefresh: true, leeway: 0,
      audience: null, issuer: null, authHeaderPrefix: 'Bearer',
    });
    assert.deepEqual(s.sessions, { check: true, cacheTtl: 5, expirationAccuracy: 1800, reuseInterval: 10, appTokenReauthWindow: 600, maxDevicesPerUser: 50 });
    assert.deepEqual(s.cookie, { enabled: false, path: '/graphql' });
    assert.deepEqual(s.passwords, { bcryptRounds: 12 });
    assert.deepEqual(s.database, { url: 'sqlite:./data/gatehouse.sqlite', poolMin: 0, poolMax: 10, dataDir: './data' });
    assert.deepEqual(s.redis, { url: null, keyPrefix: 'gatehouse:' });
    assert.deepEqual(s.limits, {
      loginMaxFailuresPerUser: 5, loginMaxFailuresPerAddress: 100, loginFailureWindow: 900,
      graphqlMaxDepth: 10, graphqlMaxAliases: 15, graphqlMaxCost: 5000, graphqlMaxTokens: 1000,
    });
    assert.deepEqual(s.server, { port: 4000, host: '127.0.0.1', metricsPort: null, nodeEnv: 'development', trustProxy: false, shutdownTimeout: 10, headersTimeout: 10, requestTimeout: 15, workerNice: 10 });
    assert.deepEqual(s.logging, { level: 'info' });
  });

  it("has the contract's defaults (SPEC.md's settings table) in its table", () => {
    for (const [variable, contractDefault] of CONTRACT) {
      const row = SETTINGS.find((r) => r.variable === variable);
      assert.ok(row, `${variable} is in the table`);
      assert.equal(row.default, contractDefault, variable);
    }
  });

  it('SPEC.md itself still says so', (t) => {
    const spec = join(ROOT, '..', 'shared', 'SPEC.md');
    if (!existsSync(spec)) return t.skip('SPEC.md is not next to the repository');
    const section = readFileSync(spec, 'utf8').split('## Settings (environment variables)')[1].split('\n\n')[0];
    const rows: Array<[string, string | null]> = [];
    for (const line of section.split('\n').filter((l) => /^\| `/.test(l))) {
      const [names, defaults] = line.split('|').slice(1, 3);
      const values = [...defaults.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
      [...names.matchAll(/`([A-Z_]+)`/g)].forEach((m, i) => rows.push([m[1], values[i] ?? null]));
    }
    assert.deepEqual(rows, CONTRACT);
  });

  it('has one row per variable and per field, and every default parses to the value loaded', () => {
    assert.equal(new Set(SETTINGS.map((r) => r.variable)).size, SETTINGS.length);
    assert.equal(new Set(SETTINGS.map((r) => `${r.group}.${r.field}`)).size, SETTINGS.length);
    const defaults = loadSettings({}) as unknown as Record<string, Record<string, unknown>>;
    const leaves = Object.entries(defaults).flatMap(([group, fields]) => Object.keys(fields).map((field) => `${group}.${field}`));
    assert.deepEqual(leaves.sort(), SETTINGS.map((r) => `${r.group}.${r.field}`).sort());
    for (const row of SETTINGS) {
      assert.ok(row.meaning.length > 0 && !row.meaning.includes('\n'), `${row.variable} has a one-line meaning`);
      const value = row.default === null ? row.kind.unset : row.kind.check(row.kind.fromText(row.default));
      assert.notEqual(value, undefined, `${row.variable} has a default or an unset value`);
      assert.deepEqual(defaults[row.group][row.field], value, row.variable);
      // The default, written in the environment, loads the same value.
      if (row.default !== null) assert.deepEqual((loadSettings({ [row.variable]: row.default }) as unknown as typeof defaults)[row.group][row.field], value);
    }
  });

  it('names the variable of a bad value', () => {
    const cases: Record<string, string> = {
      JWT_EXPIRATION_DELTA: 'soon',
      JWT_ALGORITHM: 'none',
      JWT_ALLOW_REFRESH: 'maybe',
      JWT_AUTH_HEADER_PREFIX: 'Bear er',
      BCRYPT_ROUNDS: '3',
      PORT: '70000',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'http://x',
      NODE_ENV: 'staging',
      GATEHOUSE_WORKER_NICE: '20',
      LOGIN_FAILURE_WINDOW: '0',
    };
    for (const [name, value] of Object.entries(cases)) assert.throws(() => loadSettings({ [name]: value }), refusal(name));
  });

  it('never shows a connection URL in its message: it may hold a password', () => {
    assert.throws(() => loadSettings({ DATABASE_URL: 'mysql://admin:hunter2@db/x' }), (error: Error) => !error.message.includes('hunter2'));
    assert.throws(() => loadSettings({ REDIS_URL: 'http://:hunter2@cache' }), (error: Error) => !error.message.includes('hunter2'));
  });

  it('runs the rules between settings', () => {
    assert.throws(() => loadSettings({ DATABASE_POOL_MIN: '5', DATABASE_POOL_MAX: '2' }), refusal('DATABASE_POOL_MIN'));
    assert.throws(() => loadSettings({ NODE_ENV: 'production' }), refusal('JWT_SECRET'));
    assert.throws(() => loadSettings({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) }), refusal('JWT_SECRET'));
    assert.throws(() => loadSettings({ JWT_ALGORITHM: 'ES256' }), refusal('JWT_PRIVATE_KEY'));
    assert.throws(() => loadSettings({ JWT_PUBLIC_KEYS: 'keys/' }), refusal('JWT_PUBLIC_KEYS'));
    assert.throws(() => loadSettings({ PORT: '4000', METRICS_PORT: '4000' }), refusal('METRICS_PORT'));
    assert.throws(() => loadSettings({ METRICS_PORT: 'nine' }), refusal('METRICS_PORT'));
    assert.equal(loadSettings({ METRICS_PORT: '9464' }).server.metricsPort, 9464);
  });

  it('is frozen all the way down', () => {
    const s = loadSettings({});
    assert.ok(Object.isFrozen(s));
    for (const group of Object.values(s)) assert.ok(Object.isFrozen(group));
    assert.throws(() => { (s.tokens as { leeway: number }).leeway = 60; }, TypeError);
    assert.throws(() => { (settingsWith({ tokens: { leeway: 5 } }).tokens as { leeway: number }).leeway = 60; }, TypeError);
  });

  it('settingsWith replaces fields and keeps the rest, from the defaults or the given environment', () => {
    const s = settingsWith({ tokens: { leeway: 30, audience: 'api' }, sessions: { check: false } }, { JWT_EXPIRATION_DELTA: '15m', BCRYPT_ROUNDS: '4' });
    assert.equal(s.tokens.leeway, 30);
    assert.equal(s.tokens.audience, 'api');
    assert.equal(s.sessions.check, false);
    assert.equal(s.tokens.accessLifetime, 900);
    assert.equal(s.passwords.bcryptRounds, 4);
    assert.equal(s.sessions.reuseInterval, 10);
    assert.equal(settingsWith({ redis: { url: null } }, { REDIS_URL: 'redis://127.0.0.1:6379' }).redis.url, null);
  });

  it('settingsWith refuses a bad override with the check its variable gets, naming the variable', () => {
    const cases: Array<[string, Parameters<typeof settingsWith>[0]]> = [
      ['BCRYPT_ROUNDS', { passwords: { bcryptRounds: 3 } }],
      ['BCRYPT_ROUNDS', { passwords: { bcryptRounds: 12.5 } }],
      ['PORT', { server: { port: 70000 } }],
      ['JWT_EXPIRATION_DELTA', { tokens: { accessLifetime: 0 } }],
      ['JWT_LEEWAY', { tokens: { leeway: -1 } }],
      ['JWT_SESSION_CACHE_TTL', { sessions: { cacheTtl: Number.NaN } }],
      ['JWT_ALGORITHM', { tokens: { algorithm: 'none' as Settings['tokens']['algorithm'] } }],
      ['JWT_SESSION_CHECK', { sessions: { check: 'yes' as unknown as boolean } }],
      ['JWT_AUTH_HEADER_PREFIX', { tokens: { authHeaderPrefix: 'Bear er' } }],
      ['JWT_COOKIE_PATH', { cookie: { path: 'graphql; Domain=evil' } }],
      ['DATABASE_URL', { database: { url: 'mysql://x' } }],
      ['REDIS_URL', { redis: { url: 'http://x' } }],
      ['HOST', { server: { host: '' } }],
      ['LOG_LEVEL', { logging: { level: 'loud' as Settings['logging']['level'] } }],
      ['GATEHOUSE_WORKER_NICE', { server: { workerNice: 20 } }],
      // The rules between settings run on the result as well.
      ['DATABASE_POOL_MIN', { database: { poolMin: 20 } }],
      ['JWT_PRIVATE_KEY', { tokens: { algorithm: 'RS256' } }],
      ['JWT_SECRET', { server: { nodeEnv: 'production' } }],
      ['JWT_SECRET', { server: { nodeEnv: 'production' }, tokens: { secret: 'short' } }],
    ];
    for (const [variable, overrides] of cases) assert.throws(() => settingsWith(overrides), refusal(variable), JSON.stringify(overrides));
    assert.throws(() => settingsWith({ tokens: { expirationDelta: 60 } } as never), (error: SettingsError) => error.variable === 'tokens.expirationDelta');
    assert.throws(() => settingsWith({ token: { leeway: 60 } } as never), (error: SettingsError) => error.variable === 'token');
  });

  it('finds variables that look like settings but are not, with the likely name', () => {
    assert.deepEqual(
      unknownSettings({
        JWT_EXPIRATOIN_DELTA: '15m', BCRYPT_ROUND: '10', GATEHOUSE_BENCH_EVENT_LOOP: 'true', REDIS_HOST: 'cache',
        JWT_SECRET: 'x', PORT: '1', HOST: 'h', PATH: '/bin', HOME: '/root', PORTS: '1', GATEHOUSE_REQUIRE_SERVICES: '1',
      }),
      [
        { variable: 'BCRYPT_ROUND', suggestion: 'BCRYPT_ROUNDS' },
        { variable: 'GATEHOUSE_BENCH_EVENT_LOOP', suggestion: null },
        { variable: 'JWT_EXPIRATOIN_DELTA', suggestion: 'JWT_EXPIRATION_DELTA' },
        { variable: 'REDIS_HOST', suggestion: null },
      ],
    );
    assert.deepEqual(unknownSettings(Object.fromEntries(SETTINGS.map((r) => [r.variable, 'x']))), []);
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
