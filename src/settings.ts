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
  /** Extra verification keys for rotation (`JWT_PUBLIC_KEYS`): PEM text (several blocks), or file and folder paths separated by commas. */
  readonly publicKeys: string | null;
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
  /** PostgreSQL connection pool bounds per process (`DATABASE_POOL_MIN`, `DATABASE_POOL_MAX`). */
  readonly databasePoolMin: number;
  readonly databasePoolMax: number;
  /** How long a SIGTERM waits for in-flight requests before closing connections, seconds (`SHUTDOWN_TIMEOUT`). */
  readonly shutdownTimeout: number;
  /** Prefix of every key Gatehouse writes to Redis (`REDIS_KEY_PREFIX`), so deployments can share one Redis. */
  readonly redisKeyPrefix: string;
  /** Failed logins allowed per username and client address within the window; 0 turns the limit off. */
  readonly loginMaxFailuresPerUser: number;
  /** Failed logins allowed per client address (any username) within the window; 0 turns the limit off. */
  readonly loginMaxFailuresPerAddress: number;
  /** The window the login failure limits count in, seconds (`LOGIN_FAILURE_WINDOW`). */
  readonly loginFailureWindow: number;
  /** Take the client address from the last `X-Forwarded-For` entry (one trusted reverse proxy in front). */
  readonly trustProxy: boolean;
  readonly port: number;
  readonly host: string;
  readonly nodeEnv: 'development' | 'production' | 'test';
  /** GraphQL document limits (graphql-armor and the parser): depth, aliases, cost, tokens. */
  readonly graphqlMaxDepth: number;
  readonly graphqlMaxAliases: number;
  readonly graphqlMaxCost: number;
  readonly graphqlMaxTokens: number;
  /** Folder for the SQLite file and the generated development secret (`GATEHOUSE_DATA_DIR`). */
  readonly dataDir: string;
  /** Lowest level of log lines written (`LOG_LEVEL`). */
  readonly logLevel: LogLevel;
  /** Browser cookie mode (`JWT_COOKIE`): the refresh token also travels in an HttpOnly cookie. */
  readonly cookie: boolean;
  /** The path the refresh cookie is scoped to (`JWT_COOKIE_PATH`): where GraphQL is served. */
  readonly cookiePath: string;
  /** For `npm run bench`: report the event-loop delay on SIGUSR2 (`GATEHOUSE_BENCH_EVENT_LOOP`). Off by default. */
  readonly benchEventLoop: boolean;
  /** Nice value for the server's worker threads (bcrypt's thread pool), 0 to leave them (`GATEHOUSE_WORKER_NICE`). */
  readonly workerNice: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

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
    publicKeys: read.optional('JWT_PUBLIC_KEYS'),
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
    databasePoolMin: read.integer('DATABASE_POOL_MIN', 0, 0, 1000),
    databasePoolMax: read.integer('DATABASE_POOL_MAX', 10, 1, 1000),
    shutdownTimeout: read.duration('SHUTDOWN_TIMEOUT', '10s'),
    redisKeyPrefix: read.string('REDIS_KEY_PREFIX', 'gatehouse:'),
    loginMaxFailuresPerUser: read.integer('LOGIN_MAX_FAILURES_PER_USER', 5, 0, 1_000_000),
    loginMaxFailuresPerAddress: read.integer('LOGIN_MAX_FAILURES_PER_ADDRESS', 100, 0, 1_000_000),
    loginFailureWindow: read.duration('LOGIN_FAILURE_WINDOW', '15m'),
    trustProxy: read.boolean('TRUST_PROXY', false),
    port: read.integer('PORT', 4000, 0, 65535),
    host: read.string('HOST', '127.0.0.1'),
    nodeEnv,
    dataDir: read.string('GATEHOUSE_DATA_DIR', './data'),
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    cookie: read.boolean('JWT_COOKIE', false),
    cookiePath: read.string('JWT_COOKIE_PATH', '/graphql'),
    graphqlMaxDepth: read.integer('GRAPHQL_MAX_DEPTH', 10, 1, 1000),
    graphqlMaxAliases: read.integer('GRAPHQL_MAX_ALIASES', 15, 0, 10000),
    graphqlMaxCost: read.integer('GRAPHQL_MAX_COST', 5000, 1, 10_000_000),
    graphqlMaxTokens: read.integer('GRAPHQL_MAX_TOKENS', 1000, 50, 1_000_000),
    benchEventLoop: read.boolean('GATEHOUSE_BENCH_EVENT_LOOP', false),
    workerNice: read.integer('GATEHOUSE_WORKER_NICE', 10, 0, 19),
  };
  if (settings.databasePoolMin > settings.databasePoolMax) {
    throw new SettingsError('DATABASE_POOL_MIN', `must not be above DATABASE_POOL_MAX (${settings.databasePoolMax})`);
  }
  if (!/^\/[\x21-\x3a\x3c-\x7e]*$/.test(settings.cookiePath)) {
    throw new SettingsError('JWT_COOKIE_PATH', `"${settings.cookiePath}" is not a URL path (it starts with / and holds no spaces or ;)`);
  }
  if (settings.expirationDelta < 1) {
    throw new SettingsError('JWT_EXPIRATION_DELTA', 'must be at least 1 second');
  }
  if (settings.loginFailureWindow < 1) {
    throw new SettingsError('LOGIN_FAILURE_WINDOW', 'must be at least 1 second');
  }
  checkKeySettings(settings);
  return Object.freeze(settings);
}

/** Shortest `JWT_SECRET` accepted in production, bytes (256 bits, the HS256 output size; RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

/**
 * The key settings fit the algorithm: in production a strong `JWT_SECRET` (HS) or a
 * `JWT_PRIVATE_KEY` (RS/ES/PS, in every mode) is required; rotation keys are for asymmetric algorithms only.
 * (Reading and checking the PEM keys themselves is `loadTokenKeys`' job.)
 */
function checkKeySettings(s: Settings): void {
  const hmac = s.algorithm.startsWith('HS');
  if (hmac && s.publicKeys !== null) {
    throw new SettingsError('JWT_PUBLIC_KEYS', `is for RS/ES/PS algorithms; ${s.algorithm} verifies with JWT_SECRET only`);
  }
  if (!hmac && s.privateKey === null) {
    throw new SettingsError('JWT_PRIVATE_KEY', `is required for ${s.algorithm} (npx gatehouse keys generate --algorithm ${s.algorithm} writes a key pair)`);
  }
  if (s.nodeEnv !== 'production') return;
  if (hmac && s.jwtSecret === null) {
    throw new SettingsError('JWT_SECRET', `is required when NODE_ENV=production (at least ${MIN_SECRET_BYTES} random bytes, e.g. openssl rand -base64 48)`);
  }
  if (hmac && Buffer.byteLength(s.jwtSecret!, 'utf8') < MIN_SECRET_BYTES) {
    throw new SettingsError('JWT_SECRET', `must be at least ${MIN_SECRET_BYTES} bytes when NODE_ENV=production (e.g. openssl rand -base64 48)`);
  }
}

/** Settings for tests and embedding: the defaults, with some values replaced. */
export function settingsWith(overrides: Partial<Settings>, env: Env = {}): Settings {
  return Object.freeze({ ...loadSettings(env), ...overrides });
}
