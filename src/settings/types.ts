/**
 * The shape of `Settings`: one typed group per concern. Which variable fills each field, its
 * kind and its default are in the table (`table.ts`); this file only says what the values are.
 *
 * @example
 * settings.tokens.accessLifetime; // 300 (seconds, from JWT_EXPIRATION_DELTA)
 * settings.database.poolMax;      // 10  (DATABASE_POOL_MAX)
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

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type NodeEnv = 'development' | 'production' | 'test';
export const NODE_ENVS: readonly NodeEnv[] = ['development', 'production', 'test'];

/** Signing and verifying tokens. Durations are whole seconds. */
export interface TokenSettings {
  /** HMAC key text; null means "generate and keep one in the data folder" (development only). */
  readonly secret: string | null;
  readonly algorithm: Algorithm;
  /** PEM text or a path to a PEM file. */
  readonly privateKey: string | null;
  readonly publicKey: string | null;
  /** Extra verification keys for rotation: PEM text (several blocks), or file and folder paths separated by commas. */
  readonly publicKeys: string | null;
  /** Access-token lifetime. */
  readonly accessLifetime: number;
  /** Stateless refresh limit and device inactivity window. */
  readonly refreshLifetime: number;
  readonly allowRefresh: boolean;
  /** Clock skew allowed on `exp`/`nbf`. */
  readonly leeway: number;
  readonly audience: string | null;
  readonly issuer: string | null;
  /** The preferred prefix of the Authorization header; `JWT` and `Bearer` are always accepted. */
  readonly authHeaderPrefix: string;
}

/** Device sessions and refresh-token rotation. Durations are whole seconds. */
export interface SessionSettings {
  /** Whether `@auth` refuses access tokens whose device session has ended. */
  readonly check: boolean;
  /** How long a process may trust its cached view of a user or device. */
  readonly cacheTtl: number;
  /** How often a device's last-seen time is written. */
  readonly expirationAccuracy: number;
  /** Grace window for concurrent refreshes of one refresh token. */
  readonly reuseInterval: number;
  /** How old the password login (`orig_iat`) of the caller of `createRefreshToken` may be. */
  readonly appTokenReauthWindow: number;
  /** Live devices a user may have; a login past it ends the least recently seen one. */
  readonly maxDevicesPerUser: number;
}

/** Browser cookie mode: the refresh token also travels in an HttpOnly cookie. */
export interface CookieSettings {
  readonly enabled: boolean;
  /** The path the refresh cookie is scoped to: where GraphQL is served. */
  readonly path: string;
}

export interface PasswordSettings {
  /** bcrypt cost factor. */
  readonly bcryptRounds: number;
}

export interface DatabaseSettings {
  /** `sqlite:PATH`, `file:PATH`, `:memory:` or `postgres://…`. */
  readonly url: string;
  /** PostgreSQL connection pool bounds per process. */
  readonly poolMin: number;
  readonly poolMax: number;
  /** Folder for the SQLite file and the generated development secret. */
  readonly dataDir: string;
}

export interface RedisSettings {
  /** null: one instance, everything in process. */
  readonly url: string | null;
  /** Prefix of every key Gatehouse writes to Redis, so deployments can share one Redis. */
  readonly keyPrefix: string;
}

/** Login throttling (0 turns a limit off) and GraphQL document limits. */
export interface LimitSettings {
  /** Failed logins allowed per username and client address within the window. */
  readonly loginMaxFailuresPerUser: number;
  /** Failed logins allowed per client address (any username) within the window. */
  readonly loginMaxFailuresPerAddress: number;
  /** The window the login failure limits count in, seconds. */
  readonly loginFailureWindow: number;
  readonly graphqlMaxDepth: number;
  readonly graphqlMaxAliases: number;
  readonly graphqlMaxCost: number;
  readonly graphqlMaxTokens: number;
}

/** GraphQL over WebSocket (graphql-ws): the limits of `src/subscriptions/`. Durations are whole seconds. */
export interface SubscriptionSettings {
  /** How long a new socket may wait before its `connection_init`. */
  readonly initTimeout: number;
  /** Operations running at once on one socket. */
  readonly maxPerSocket: number;
  /** Signed-in sockets one user may hold on one process. */
  readonly maxSocketsPerUser: number;
  /** Sockets one process holds at most. */
  readonly maxSockets: number;
  /** Largest message a client may send, bytes. */
  readonly maxMessageBytes: number;
}

export interface ServerSettings {
  readonly port: number;
  readonly host: string;
  /** Port of the Prometheus `/metrics` listener (on `host`); null: no metrics listener. */
  readonly metricsPort: number | null;
  readonly nodeEnv: NodeEnv;
  /** Take the client address from the last `X-Forwarded-For` entry (one trusted reverse proxy in front). */
  readonly trustProxy: boolean;
  /** How long a SIGTERM waits for in-flight requests before closing connections, seconds. */
  readonly shutdownTimeout: number;
  /** How long a client may take to send a request's headers, seconds (Node's `headersTimeout`). */
  readonly headersTimeout: number;
  /** How long a client may take to send a whole request, headers and body, seconds (Node's `requestTimeout`, and the body's deadline). */
  readonly requestTimeout: number;
  /** Nice value for the server's worker threads (bcrypt's thread pool); 0 leaves them be. */
  readonly workerNice: number;
}

export interface LoggingSettings {
  /** Lowest level of log lines written. */
  readonly level: LogLevel;
}

/** Every setting, in groups; frozen all the way down. Made by `loadSettings` or `settingsWith`. */
export interface Settings {
  readonly tokens: TokenSettings;
  readonly sessions: SessionSettings;
  readonly cookie: CookieSettings;
  readonly passwords: PasswordSettings;
  readonly database: DatabaseSettings;
  readonly redis: RedisSettings;
  readonly limits: LimitSettings;
  readonly subscriptions: SubscriptionSettings;
  readonly server: ServerSettings;
  readonly logging: LoggingSettings;
}

export type SettingsGroup = keyof Settings;

/** What `settingsWith` takes: any fields of any groups. */
export type SettingsOverrides = { readonly [G in SettingsGroup]?: Partial<Settings[G]> };
