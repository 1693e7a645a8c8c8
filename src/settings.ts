/**
 * Every setting Gatehouse reads, its default and its validation, in one place.
 *
 * Settings come from environment variables (names fixed by the contract). `loadSettings`
 * is pure: give it an env object, get a frozen `Settings` back or a `SettingsError` that
 * names the variable. Nothing else in Gatehouse reads `process.env`.
 *
 * @example
 * const settings = loadSettings({ JWT_SECRET: 'x'.repeat(32), JWT_EXPIRATION_DELTA: '15m' });
 * settings.expirationDelta; // 900 (seconds)
 */

export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';
export type AsymmetricAlgorithm =
  | 'RS256' | 'RS384' | 'RS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'PS256' | 'PS384' | 'PS512';
export type Algorithm = HmacAlgorithm | AsymmetricAlgorithm;

export const ALGORITHMS: readonly Algorithm[] = [
  'HS256', 'HS384', 'HS512',
  'RS256', 'RS384', 'RS512',
  'ES256', 'ES384', 'ES512',
  'PS256', 'PS384', 'PS512',
];

export interface Settings {
  /** HMAC key text (`JWT_SECRET`); null means "generate and keep one in the data folder" (development only). */
  readonly jwtSecret: string | null;
  readonly algorithm: Algorithm;
  /** PEM text or a path to a PEM file. */
  readonly privateKey: string | null;
  readonly publicKey: string | null;
  /** Access-token lifetime, seconds. */
  readonly expirationDelta: number;
  /** Stateless refresh limit and device inactivity window, seconds. */
  readonly refreshExpirationDelta: number;
  readonly allowRefresh: boolean;
  /** Clock skew allowed on `exp`/`nbf`, seconds. */
  readonly leeway: number;
  readonly audience: string | null;
  readonly issuer: string | null;
  /** The preferred prefix of the Authorization header; `JWT` and `Bearer` are always accepted. */
  readonly authHeaderPrefix: string;
  /** How often a device's last-seen time is written, seconds. */
  readonly sessionExpirationAccuracy: number;
  /** Grace window for concurrent refreshes of one refresh token, seconds. */
  readonly refreshReuseInterval: number;
  /** Whether `@auth` refuses access tokens whose device session has ended (`JWT_SESSION_CHECK`). */
  readonly sessionCheck: boolean;
  /** How long a process may trust its cached view of a user or device, seconds (`JWT_SESSION_CACHE_TTL`). */
  readonly sessionCacheTtl: number;
  readonly bcryptRounds: number;
  readonly databaseUrl: string;
  readonly redisUrl: string | null;
  readonly port: number;
  readonly host: string;
  readonly nodeEnv: 'development' | 'production' | 'test';
  /** Folder for the SQLite file and the generated development secret (`GATEHOUSE_DATA_DIR`). */
  readonly dataDir: string;
  /** For `npm run bench`: report the event-loop delay on SIGUSR2 (`GATEHOUSE_BENCH_EVENT_LOOP`). Off by default. */
  readonly benchEventLoop: boolean;
  /** Nice value for the server's worker threads (bcrypt's thread pool), 0 to leave them (`GATEHOUSE_WORKER_NICE`). */
  readonly workerNice: number;
}

/** A setting has a value Gatehouse cannot use. `message` is one line that names the variable. */
export class SettingsError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`Invalid setting ${variable}: ${problem}`);
    this.name = 'SettingsError';
    this.variable = variable;
  }
}

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses `300`, `300s`, `5m`, `12h`, `7d` into whole seconds. Returns null for anything else.
 *
 * @example parseDuration('5m') // 300
 */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d{1,9})\s*([smhd]?)\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * DURATION_UNITS[match[2]];
}

type Env = Record<string, string | undefined>;

class Reader {
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name)?.trim() ?? fallback;
  }

  optional(name: string): string | null {
    return this.raw(name)?.trim() ?? null;
  }

  duration(name: string, fallback: string): number {
    const text = this.raw(name) ?? fallback;
    const seconds = parseDuration(text);
    if (seconds === null) {
      throw new SettingsError(name, `"${text}" is not a duration (use 300, 300s, 5m, 12h or 7d)`);
    }
    return seconds;
  }

  boolean(name: string, fallback: boolean): boolean {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const normal = text.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(normal)) return true;
    if (['false', '0', 'no', 'off'].includes(normal)) return false;
    throw new SettingsError(name, `"${text}" is not a boolean (use true or false)`);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new SettingsError(name, `"${text}" is not a whole number from ${min} to ${max}`);
    }
    return value;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const text = this.raw(name)?.trim();
    if (text === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(text)) {
      throw new SettingsError(name, `"${text}" is not one of ${allowed.join(', ')}`);
    }
    return text as T;
  }
}

/** Reads and validates every setting. Throws `SettingsError` on the first bad value. */
export function loadSettings(env: Env = process.env): Settings {
  const read = new Reader(env);
  const nodeEnv = read.oneOf('NODE_ENV', 'development', ['development', 'production', 'test'] as const);
  const algorithm = read.oneOf('JWT_ALGORITHM', 'HS256', ALGORITHMS);
  const databaseUrl = read.string('DATABASE_URL', 'sqlite:./data/gatehouse.sqlite');
  if (!/^(sqlite:|file:|postgres(ql)?:\/\/)/.test(databaseUrl) && databaseUrl !== ':memory:') {
    throw new SettingsError('DATABASE_URL', 'use sqlite:PATH or postgres://USER@HOST:PORT/DB');
  }
  const redisUrl = read.optional('REDIS_URL');
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    throw new SettingsError('REDIS_URL', 'use redis://HOST:PORT');
  }
  const prefix = read.string('JWT_AUTH_HEADER_PREFIX', 'Bearer');
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(prefix)) {
    throw new SettingsError('JWT_AUTH_HEADER_PREFIX', `"${prefix}" is not a single word`);
  }

  const settings: Settings = {
    jwtSecret: read.raw('JWT_SECRET') ?? null,
    algorithm,
    privateKey: read.optional('JWT_PRIVATE_KEY'),
    publicKey: read.optional('JWT_PUBLIC_KEY'),
    expirationDelta: read.duration('JWT_EXPIRATION_DELTA', '5m'),
    refreshExpirationDelta: read.duration('JWT_REFRESH_EXPIRATION_DELTA', '7d'),
    allowRefresh: read.boolean('JWT_ALLOW_REFRESH', true),
    leeway: read.duration('JWT_LEEWAY', '0s'),
    audience: read.optional('JWT_AUDIENCE'),
    issuer: read.optional('JWT_ISSUER'),
    authHeaderPrefix: prefix,
    sessionExpirationAccuracy: read.duration('JWT_SESSION_EXPIRATION_ACCURACY', '30m'),
    refreshReuseInterval: read.duration('JWT_REFRESH_REUSE_INTERVAL', '10s'),
    sessionCheck: read.boolean('JWT_SESSION_CHECK', true),
    sessionCacheTtl: read.duration('JWT_SESSION_CACHE_TTL', '5s'),
    bcryptRounds: read.integer('BCRYPT_ROUNDS', 12, 4, 31),
    databaseUrl,
    redisUrl,
    port: read.integer('PORT', 4000, 0, 65535),
    host: read.string('HOST', '127.0.0.1'),
    nodeEnv,
    dataDir: read.string('GATEHOUSE_DATA_DIR', './data'),
    benchEventLoop: read.boolean('GATEHOUSE_BENCH_EVENT_LOOP', false),
    workerNice: read.integer('GATEHOUSE_WORKER_NICE', 10, 0, 19),
  };
  if (settings.expirationDelta < 1) {
    throw new SettingsError('JWT_EXPIRATION_DELTA', 'must be at least 1 second');
  }
  return Object.freeze(settings);
}

/** Settings for tests and embedding: the defaults, with some values replaced. */
export function settingsWith(overrides: Partial<Settings>, env: Env = {}): Settings {
  return Object.freeze({ ...loadSettings(env), ...overrides });
}
