/**
 * Every setting and its default in one table: the variable (names fixed by the contract),
 * where its value lands in `Settings`, its kind, its default as it would be written in the
 * environment, and what it means. `loadSettings`, `settingsWith`, `unknownSettings` and the
 * docs all read this table; nothing else lists settings.
 *
 * @example
 * SETTINGS.find((s) => s.variable === 'JWT_EXPIRATION_DELTA');
 * // { variable: 'JWT_EXPIRATION_DELTA', group: 'tokens', field: 'accessLifetime', default: '5m', … }
 */
import { boolean, duration, integer, oneOf, optionalInteger, optionalText, text, url, type Kind } from './kinds';
import { ALGORITHMS, LOG_LEVELS, NODE_ENVS, type Settings, type SettingsGroup } from './types';

/** One row of the table. */
export interface Setting {
  /** The environment variable. */
  readonly variable: string;
  /** Where the value lands: `settings[group][field]`. */
  readonly group: SettingsGroup;
  readonly field: string;
  readonly kind: Kind<unknown>;
  /** The default as environment text; null: none (the kind's unset value, or a rule in `meaning`). */
  readonly default: string | null;
  /** One line: what it does. */
  readonly meaning: string;
}

/** A row whose kind is tied to the type of its field. */
interface Row<G extends SettingsGroup, F extends keyof Settings[G] & string> extends Setting {
  readonly group: G;
  readonly field: F;
  readonly kind: Kind<Settings[G][F]>;
}

function setting<G extends SettingsGroup, F extends keyof Settings[G] & string>(
  variable: string, group: G, field: F, kind: Kind<Settings[G][F]>, defaultText: string | null, meaning: string,
): Row<G, F> {
  return { variable, group, field, kind, default: defaultText, meaning };
}

/** Where `GATEHOUSE_DATA_DIR` and the default SQLite file are, relative to the working directory. */
const DATA_DIR = './data';

const ROWS = [
  // tokens
  setting('JWT_SECRET', 'tokens', 'secret', optionalText({ trim: false, secret: true }), null, 'HMAC key; generated and kept in the data folder in development, required in production (at least 32 bytes, and not a repeated character or short pattern)'),
  setting('JWT_ALGORITHM', 'tokens', 'algorithm', oneOf(ALGORITHMS), 'HS256', 'signing algorithm'),
  setting('JWT_PRIVATE_KEY', 'tokens', 'privateKey', optionalText(), null, 'PEM text or a file path: the signing key of RS/ES/PS algorithms'),
  setting('JWT_PUBLIC_KEY', 'tokens', 'publicKey', optionalText(), null, 'PEM text or a file path: the verification key (derived from the private key when unset)'),
  setting('JWT_PUBLIC_KEYS', 'tokens', 'publicKeys', optionalText(), null, 'extra verification keys for key rotation: PEM text, or file and folder paths separated by commas'),
  setting('JWT_EXPIRATION_DELTA', 'tokens', 'accessLifetime', duration(1), '5m', 'access-token lifetime'),
  setting('JWT_REFRESH_EXPIRATION_DELTA', 'tokens', 'refreshLifetime', duration(), '7d', 'stateless refresh limit; device inactivity window'),
  setting('JWT_ALLOW_REFRESH', 'tokens', 'allowRefresh', boolean(), 'true', 'enables refreshToken(token:)'),
  setting('JWT_LEEWAY', 'tokens', 'leeway', duration(), '0s', 'clock skew allowed on exp/nbf'),
  setting('JWT_AUDIENCE', 'tokens', 'audience', optionalText(), null, 'set and verified when given'),
  setting('JWT_ISSUER', 'tokens', 'issuer', optionalText(), null, 'set and verified when given'),
  setting('JWT_AUTH_HEADER_PREFIX', 'tokens', 'authHeaderPrefix', text({ pattern: /^[A-Za-z][A-Za-z0-9-]*$/, problem: 'is not a single word', accepts: 'single word' }), 'Bearer', 'preferred Authorization header prefix; JWT and Bearer are always accepted'),
  // sessions
  setting('JWT_SESSION_CHECK', 'sessions', 'check', boolean(), 'true', '@auth refuses access tokens whose device session has ended'),
  setting('JWT_SESSION_CACHE_TTL', 'sessions', 'cacheTtl', duration(), '5s', 'how long a process may trust its cached view of a user or device'),
  setting('JWT_SESSION_EXPIRATION_ACCURACY', 'sessions', 'expirationAccuracy', duration(), '30m', "how often a device's last-seen time is written"),
  setting('JWT_REFRESH_REUSE_INTERVAL', 'sessions', 'reuseInterval', duration(), '10s', 'grace window for concurrent refreshes of one token'),
  setting('APP_TOKEN_REAUTH_WINDOW', 'sessions', 'appTokenReauthWindow', duration(), '10m', 'createRefreshToken needs an access token whose password login (orig_iat) is at most this old'),
  setting('MAX_DEVICES_PER_USER', 'sessions', 'maxDevicesPerUser', integer(1, 100_000), '50', 'live devices a user may have; a login past it ends the least recently seen one'),
  // cookie
  setting('JWT_COOKIE', 'cookie', 'enabled', boolean(), 'false', 'browser mode: the refresh token also travels in an HttpOnly cookie'),
  setting('JWT_COOKIE_PATH', 'cookie', 'path', text({ pattern: /^\/[\x21-\x3a\x3c-\x7e]*$/, problem: 'is not a URL path (it starts with / and holds no spaces or ;)', accepts: 'URL path' }), '/graphql', 'the path the refresh cookie is scoped to: where GraphQL is served'),
  // passwords
  setting('BCRYPT_ROUNDS', 'passwords', 'bcryptRounds', integer(4, 31), '12', 'password hashing cost'),
  // database
  setting('DATABASE_URL', 'database', 'url', url(/^(sqlite:|file:|postgres(ql)?:\/\/|:memory:$)/, 'use sqlite:PATH or postgres://USER@HOST:PORT/DB'), `sqlite:${DATA_DIR}/gatehouse.sqlite`, 'SQLite file or PostgreSQL database'),
  setting('DATABASE_POOL_MIN', 'database', 'poolMin', integer(0, 1000), '0', 'PostgreSQL connections kept open per process (at most DATABASE_POOL_MAX)'),
  setting('DATABASE_POOL_MAX', 'database', 'poolMax', integer(1, 1000), '10', 'PostgreSQL connections at most per process'),
  setting('GATEHOUSE_DATA_DIR', 'database', 'dataDir', text(), DATA_DIR, 'folder for the SQLite file and the generated development secret'),
  // redis
  setting('REDIS_URL', 'redis', 'url', url(/^rediss?:\/\//, 'use redis://HOST:PORT', { optional: true }), null, 'shared rate limits and revocations across instances'),
  setting('REDIS_KEY_PREFIX', 'redis', 'keyPrefix', text(), 'gatehouse:', 'prefix of every Redis key Gatehouse writes, so deployments can share one Redis'),
  // limits
  setting('LOGIN_MAX_FAILURES_PER_USER', 'limits', 'loginMaxFailuresPerUser', integer(0, 1_000_000), '5', 'failed logins allowed per username and client address in the window; 0 turns it off'),
  setting('LOGIN_MAX_FAILURES_PER_ADDRESS', 'limits', 'loginMaxFailuresPerAddress', integer(0, 1_000_000), '100', 'failed logins allowed per client address in the window; 0 turns it off'),
  setting('LOGIN_FAILURE_WINDOW', 'limits', 'loginFailureWindow', duration(1), '15m', 'the window the login failure limits count in'),
  setting('GRAPHQL_MAX_DEPTH', 'limits', 'graphqlMaxDepth', integer(1, 1000), '10', 'deepest selection a GraphQL document may have'),
  setting('GRAPHQL_MAX_ALIASES', 'limits', 'graphqlMaxAliases', integer(0, 10_000), '15', 'most aliases in a GraphQL document'),
  setting('GRAPHQL_MAX_COST', 'limits', 'graphqlMaxCost', integer(1, 10_000_000), '5000', 'highest cost of a GraphQL document'),
  setting('GRAPHQL_MAX_TOKENS', 'limits', 'graphqlMaxTokens', integer(50, 1_000_000), '1000', 'most tokens the parser reads in a GraphQL document'),
  // subscriptions
  setting('SUBSCRIPTIONS_INIT_TIMEOUT', 'subscriptions', 'initTimeout', duration(1), '3s', 'how long a new WebSocket may wait before its connection_init (then closed 4408)'),
  setting('SUBSCRIPTIONS_MAX_PER_SOCKET', 'subscriptions', 'maxPerSocket', integer(1, 10_000), '20', 'operations running at once on one WebSocket (one more: closed 4431 TOO_MANY_SUBSCRIPTIONS)'),
  setting('SUBSCRIPTIONS_MAX_SOCKETS_PER_USER', 'subscriptions', 'maxSocketsPerUser', integer(1, 100_000), '20', 'signed-in WebSockets one user may hold on one process (one more: closed 4430 TOO_MANY_SOCKETS)'),
  setting('SUBSCRIPTIONS_MAX_SOCKETS', 'subscriptions', 'maxSockets', integer(1, 1_000_000), '10000', 'WebSockets one process holds at most, signed in or not (one more: closed 1013 SERVER_BUSY)'),
  setting('SUBSCRIPTIONS_MAX_MESSAGE_BYTES', 'subscriptions', 'maxMessageBytes', integer(1024, 16 * 1024 * 1024), '65536', 'largest WebSocket message a client may send, bytes (a larger one: closed 1009)'),
  // server
  setting('PORT', 'server', 'port', integer(0, 65535), '4000', 'HTTP port (0: any free port)'),
  setting('HOST', 'server', 'host', text(), '127.0.0.1', 'address to listen on'),
  setting('METRICS_PORT', 'server', 'metricsPort', optionalInteger(0, 65535), null, 'Prometheus metrics at GET /metrics on this port (same HOST, never the API port); off when unset'),
  setting('NODE_ENV', 'server', 'nodeEnv', oneOf(NODE_ENVS), 'development', 'production turns off Sandbox and introspection, and demands secrets'),
  setting('TRUST_PROXY', 'server', 'trustProxy', boolean(), 'false', 'take the client address from the last X-Forwarded-For entry (one trusted proxy in front)'),
  setting('SHUTDOWN_TIMEOUT', 'server', 'shutdownTimeout', duration(), '10s', 'how long SIGTERM waits for in-flight requests before closing connections'),
  setting('HTTP_HEADERS_TIMEOUT', 'server', 'headersTimeout', duration(1), '10s', 'a request whose headers have not all arrived by then gets 408 and its connection closed'),
  setting('HTTP_REQUEST_TIMEOUT', 'server', 'requestTimeout', duration(1), '15s', 'a request (headers and body) not all arrived by then gets 408 and its connection closed; at least HTTP_HEADERS_TIMEOUT'),
  setting('GATEHOUSE_WORKER_NICE', 'server', 'workerNice', integer(0, 19), '10', "nice value for the worker threads (bcrypt's pool), so hashing yields to the event loop; 0 leaves them be"),
  // logging
  setting('LOG_LEVEL', 'logging', 'level', oneOf(LOG_LEVELS), 'info', 'lowest level of log lines written'),
] as const;

/** Every setting, in the order of the docs' table. */
export const SETTINGS: readonly Setting[] = ROWS;

type Path<T> = { [G in keyof T & string]: `${G}.${keyof T[G] & string}` }[keyof T & string];
type TablePath = (typeof ROWS)[number] extends infer E ? (E extends Row<infer G, infer F> ? `${G}.${F}` : never) : never;
/** Compile-time proof that every field of `Settings` has a row (this line fails to compile otherwise). */
const everyFieldHasARow: [Exclude<Path<Settings>, TablePath>] extends [never] ? true : Exclude<Path<Settings>, TablePath> = true;
void everyFieldHasARow;
