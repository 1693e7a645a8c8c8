/**
 * The one loader: every row of the table, then the rules between settings. `loadSettings`
 * reads an environment; `settingsWith` starts from one (empty by default) and replaces
 * fields, checking each replacement exactly as the environment's text would be checked.
 * Both return `Settings` frozen all the way down, or throw a `SettingsError` naming the
 * variable. Nothing else in Gatehouse reads `process.env`.
 *
 * @example
 * const settings = loadSettings({ JWT_SECRET: 'x'.repeat(32), JWT_EXPIRATION_DELTA: '15m' }); // fine outside production
 * settings.tokens.accessLifetime; // 900 (seconds)
 * settingsWith({ tokens: { leeway: 30 } }).tokens.leeway; // 30
 * settingsWith({ passwords: { bcryptRounds: 3 } });        // throws: Invalid setting BCRYPT_ROUNDS: …
 */
import { SettingsError } from './error';
import { SettingProblem } from './kinds';
import { SETTINGS, type Setting } from './table';
import type { Settings, SettingsGroup, SettingsOverrides } from './types';

export type Env = Record<string, string | undefined>;

/** Shortest `JWT_SECRET` accepted in production, bytes (256 bits, the HS256 output size; RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

/** Least estimated entropy of a `JWT_SECRET` accepted in production, bits (see `estimatedEntropyBits`). */
export const MIN_SECRET_ENTROPY_BITS = 96;

/**
 * A crude, upper-bound estimate of the entropy of a secret, bits: its length in bytes times
 * the Shannon entropy of its byte frequencies. It cannot tell a random secret from a clever
 * human one, but it does catch the trivial ones: one repeated letter scores 0, `abab…` 1 bit
 * a byte, `password` four times 88. Random secrets of 32 bytes or more score far above
 * `MIN_SECRET_ENTROPY_BITS`: hex about 220 for 64 characters, base64 above 120 for 32.
 *
 * @example estimatedEntropyBits('x'.repeat(32)) // 0
 */
export function estimatedEntropyBits(secret: string): number {
  const bytes = Buffer.from(secret, 'utf8');
  const counts = new Map<number, number>();
  for (const byte of bytes) counts.set(byte, (counts.get(byte) ?? 0) + 1);
  let perByte = 0;
  for (const count of counts.values()) {
    const p = count / bytes.length;
    perByte -= p * Math.log2(p);
  }
  return perByte * bytes.length;
}

type Draft = Record<string, Record<string, unknown>>;

/** Runs one kind's check and names the variable when it refuses. */
function checked(row: Setting, value: unknown, shown?: string): unknown {
  try {
    return row.kind.check(value, shown);
  } catch (error) {
    if (error instanceof SettingProblem) throw new SettingsError(row.variable, error.message);
    throw error;
  }
}

/** The value of one row in `env`: its text, else its default, else the kind's unset value. */
function fromEnv(row: Setting, env: Env): unknown {
  const given = env[row.variable];
  const raw = given !== undefined && given.trim() !== '' ? given : row.default;
  if (raw === null) {
    if (!('unset' in row.kind)) throw new Error(`settings table: ${row.variable} has neither a default nor an unset value`);
    return row.kind.unset;
  }
  let value: unknown;
  try {
    value = row.kind.fromText(raw);
  } catch (error) {
    if (error instanceof SettingProblem) throw new SettingsError(row.variable, error.message);
    throw error;
  }
  return checked(row, value, `"${raw}"`);
}

function parseEnv(env: Env): Draft {
  const draft: Draft = {};
  for (const row of SETTINGS as readonly Setting[]) {
    (draft[row.group] ??= {})[row.field] = fromEnv(row, env);
  }
  return draft;
}

const ROWS = new Map(SETTINGS.map((row) => [`${row.group}.${row.field}`, row]));

function applyOverrides(draft: Draft, overrides: SettingsOverrides): void {
  for (const [group, fields] of Object.entries(overrides)) {
    if (fields === undefined) continue;
    if (typeof fields !== 'object' || fields === null || !(group in draft)) {
      throw new SettingsError(group, `is not a settings group (use ${Object.keys(draft).join(', ')})`);
    }
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      const row = ROWS.get(`${group}.${field}`);
      if (!row) throw new SettingsError(`${group}.${field}`, `is not a setting (the ${group} group has ${Object.keys(draft[group]).join(', ')})`);
      draft[group][field] = checked(row, value);
    }
  }
}

/**
 * The rules between settings: the pool bounds, the metrics port apart from the API's, the HTTP
 * timeouts, and the key settings against the algorithm
 * and the mode. In production a strong `JWT_SECRET` (HS: at least `MIN_SECRET_BYTES` bytes
 * and `MIN_SECRET_ENTROPY_BITS` of estimated entropy) or a `JWT_PRIVATE_KEY` (RS/ES/PS,
 * in every mode) is required; rotation keys are for asymmetric algorithms only. (Reading and
 * checking the PEM keys themselves is `loadTokenKeys`' job.)
 */
function checkTogether(s: Settings): void {
  if (s.database.poolMin > s.database.poolMax) {
    throw new SettingsError('DATABASE_POOL_MIN', `must not be above DATABASE_POOL_MAX (${s.database.poolMax})`);
  }
  if (s.server.metricsPort !== null && s.server.metricsPort !== 0 && s.server.metricsPort === s.server.port) {
    throw new SettingsError('METRICS_PORT', `must not be PORT (${s.server.port}): metrics are never served on the API's port`);
  }
  if (s.server.headersTimeout > s.server.requestTimeout) {
    throw new SettingsError('HTTP_HEADERS_TIMEOUT', `must not be above HTTP_REQUEST_TIMEOUT (${s.server.requestTimeout}s): the headers are part of the request`);
  }
  const { algorithm, secret, privateKey, publicKeys } = s.tokens;
  const hmac = algorithm.startsWith('HS');
  if (hmac && publicKeys !== null) {
    throw new SettingsError('JWT_PUBLIC_KEYS', `is for RS/ES/PS algorithms; ${algorithm} verifies with JWT_SECRET only`);
  }
  if (!hmac && privateKey === null) {
    throw new SettingsError('JWT_PRIVATE_KEY', `is required for ${algorithm} (npx gatehouse-graphql keys generate --algorithm ${algorithm} writes a key pair)`);
  }
  if (s.server.nodeEnv !== 'production' || !hmac) return;
  if (secret === null) {
    throw new SettingsError('JWT_SECRET', `is required when NODE_ENV=production (at least ${MIN_SECRET_BYTES} random bytes, e.g. openssl rand -base64 48)`);
  }
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new SettingsError('JWT_SECRET', `must be at least ${MIN_SECRET_BYTES} bytes when NODE_ENV=production (e.g. openssl rand -base64 48)`);
  }
  if (estimatedEntropyBits(secret) < MIN_SECRET_ENTROPY_BITS) {
    throw new SettingsError('JWT_SECRET', `is too predictable for NODE_ENV=production (repeated characters or a short pattern; use random bytes, e.g. openssl rand -base64 48)`);
  }
}

function finish(draft: Draft): Settings {
  const settings = draft as unknown as Settings;
  checkTogether(settings);
  for (const group of Object.keys(draft) as SettingsGroup[]) Object.freeze(draft[group]);
  return Object.freeze(settings);
}

/** Reads and validates every setting. Throws `SettingsError` on the first bad value. */
export function loadSettings(env: Env = process.env): Settings {
  return finish(parseEnv(env));
}

/**
 * Settings for tests and embedding: those of `env` (by default the defaults), with some
 * fields replaced. Each replacement gets the check its variable gets, then the rules between
 * settings run on the result.
 *
 * @example
 * settingsWith({ tokens: { secret: 'x'.repeat(40) }, sessions: { check: false } });
 */
export function settingsWith(overrides: SettingsOverrides, env: Env = {}): Settings {
  const draft = parseEnv(env);
  applyOverrides(draft, overrides);
  return finish(draft);
}
