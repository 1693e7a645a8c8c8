import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type Redis from 'ioredis';
import { createLogger, type Logger } from './logging/logger';
import type { User } from './entities';
import type { Settings } from './settings';
import type { TokenKeys } from './tokens/keys';
import type { AuthPayload } from './types/auth-payload';
import { chooseBus } from './cluster/choose';
import type { InvalidationBus } from './cluster/bus';
import { LoginLimiter } from './ratelimit/login-limiter';
import { connectRedis } from './ratelimit/redis';
import { SessionCache } from './sessions/cache';
import type { UserSnapshot } from './sessions/cache';
import { warmDummyHash } from './passwords/hash';
import { VerifiedTokenCache } from './tokens/access/verified-cache';
import { type Clock, systemClock } from './util/clock';
import { GatehouseEvents } from './store/events';
import { SessionStore } from './store/store';
import { startSealSweeper } from './store/clear-sealed';
import { startSqliteCheckpoints } from './db/sqlite-checkpoints';
import { auditListener } from './logging/audit-listener';
import { metricsListener } from './metrics/event-listener';
import { GatehouseMetrics } from './metrics/metrics';
import { serveMetrics, type MetricsServer } from './metrics/server';
import { AccountLimiter } from './ratelimit/account-limiter';
import { mailKey } from './mail/seal';
import { mailTransport } from './mail/transport';
import { MailWorker, type RenderMailHook } from './mail/worker';
import { LiveSessions } from './subscriptions/live';
import { toSignal } from './cluster/signals';
import { authenticate } from './sessions/authenticate';
import { Unauthenticated } from './errors';

/** Which mutation is answering with an `AuthPayload`. */
export type AuthPayloadSource = 'tokenAuth' | 'refreshToken' | 'statelessRefresh';

/**
 * Customisation points, in place of djangorestframework-jwt's payload handlers. All optional.
 *
 * @example
 * const hooks: GatehouseHooks = {
 *   extraClaims: (user) => ({ plan: user.roles.includes('pro') ? 'pro' : 'free' }),
 *   findUser: (login, em) => em.findOne(User, login.includes('@') ? { email: login.toLowerCase() } : { username: login }),
 *   authPayload: (payload, { user }) => ({ ...payload, welcome: `Hello, ${user.username}` }),
 * };
 */
export interface GatehouseHooks {
  /**
   * Extra claims for every access token of this user (`JWT_PAYLOAD_HANDLER`). Standard
   * claims (`sub`, `exp`, `sid`, …) cannot be overridden. Claims are readable by anyone
   * who holds the token: put no secrets in them.
   */
  extraClaims?(user: UserSnapshot): Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * Finds the user a `tokenAuth` login names (default: the exact `username`). Return null
   * for "no such user": the answer is the same `INVALID_CREDENTIALS` as a wrong password.
   */
  findUser?(login: string, em: EntityManager): Promise<User | null>;
  /**
   * Shapes the `AuthPayload` that `tokenAuth` and `refreshToken` return
   * (`JWT_RESPONSE_PAYLOAD_HANDLER`). Properties you add are served by fields you add with
   * `extend type AuthPayload { … }` (SDL) or a type-graphql `@FieldResolver`.
   */
  authPayload?(payload: AuthPayload, context: { user: UserSnapshot; source: AuthPayloadSource }): AuthPayload | Promise<AuthPayload>;
  /**
   * Renders a mail yourself (its template name, and its variables: `link`, `username`,
   * `email`, `newEmail`), in place of the templates (built-in, or `EMAIL_TEMPLATES_DIR`).
   * Return null to use the template. Runs in the mail worker, when the mail is sent.
   */
  renderMail?: RenderMailHook;
}

/**
 * Everything a Gatehouse instance holds: settings, keys, the ORM, the session cache and the
 * login limiter (with its Redis connection when `REDIS_URL` is set).
 * Passed explicitly (through the GraphQL context); there are no module-level globals.
 */
export interface Gatehouse {
  readonly settings: Settings;
  /** The one source of time: token claims, expiry, grace windows, cache lifetimes (see `Clock`). */
  readonly clock: Clock;
  readonly keys: TokenKeys;
  readonly orm: MikroORM;
  readonly sessions: SessionCache;
  /** The only writer of session state; each write settles caches, other instances and events. */
  readonly store: SessionStore;
  /** What happens to sessions and accounts (see `GatehouseEvent`): audit lines, metrics and subscriptions listen here. */
  readonly events: GatehouseEvents;
  /** Access tokens already verified by this process (signature and claims; time is checked on each use). */
  readonly verifiedTokens: VerifiedTokenCache;
  readonly hooks: GatehouseHooks;
  /** Tells other instances about logouts and revocations (none for a single SQLite process). */
  readonly bus: InvalidationBus;
  readonly loginLimiter: LoginLimiter;
  /** Limits `register`, the request mutations and `changeEmail` per address and per client. */
  readonly accountLimiter: AccountLimiter;
  /** The key queued mails are sealed under (derived from the signing secret). */
  readonly mailKey: Buffer;
  /** This instance's mail outbox worker (started with the runtime; stopped by `close`). */
  readonly mail: MailWorker;
  /** Structured logs (pino): request lines and audit lines. */
  readonly log: Logger;
  /**
   * This process's signed-in WebSockets and their `sessionEvents` subscriptions, told about
   * every session change: this instance's (from `events`) and the other instances' (from the bus).
   */
  readonly live: LiveSessions;
  /** This instance's Prometheus metrics, in its own registry (`metrics.registry`), fed by `events`. */
  readonly metrics: GatehouseMetrics;
  /**
   * Serves `metrics` at `GET /metrics` on `METRICS_PORT` (same `HOST`), with the process's
   * own metrics; `createGatehouse` and `npm start` call it. Its URL, or null when
   * `METRICS_PORT` is unset. Closed by `close()`.
   */
  serveMetrics(): Promise<string | null>;
  /** Closes what the runtime opened itself (the Redis connection, the bus, the metrics listener); not the ORM. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Where operational warnings go (a Redis outage); default console.warn. */
  warn?: (message: string) => void;
  /** Request and audit lines (pino). Default: stdout at `LOG_LEVEL`. */
  logger?: Logger;
  /** Where time comes from (default: the machine's clock); tests pass a `ManualClock`. */
  clock?: Clock;
}

export function createRuntime(settings: Settings, keys: TokenKeys, orm: MikroORM, hooks: GatehouseHooks = {}, options: RuntimeOptions = {}): Gatehouse {
  const log = options.logger ?? createLogger(settings);
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const redis: Redis | undefined = settings.redis.url ? connectRedis(settings.redis.url, warn) : undefined;
  const bus = chooseBus(settings, warn, redis);
  const clock = options.clock ?? systemClock;
  // The first unknown-username login must not be the one that pays for making the dummy hash.
  void warmDummyHash(settings.passwords.bcryptRounds);
  const sessions = new SessionCache(settings.sessions.cacheTtl, clock);
  const events = new GatehouseEvents((error) => log.error({ err: error }, 'event listener failed'));
  events.on(auditListener(log));
  const metrics = new GatehouseMetrics();
  events.on(metricsListener(metrics));
  let metricsServer: Promise<MetricsServer> | undefined;
  const store = new SessionStore({ orm, clock, settings, sessions, bus, events, warn });
  const key = mailKey(keys);
  const transport = mailTransport(settings, log);
  if (!transport) log.warn('SMTP_URL is not set: mails stay queued in the outbox until it is (gatehouse mail status shows them)');
  const mail = new MailWorker({ orm, clock, settings, key, transport, log, events, renderMail: hooks.renderMail });
  mail.start();
  const live = new LiveSessions({
    clock,
    leeway: settings.tokens.leeway,
    // The same check as `@auth`, against the database (the change already dropped the cached view).
    recheck: async (claims) => {
      try {
        await authenticate(gh, () => orm.em.fork(), claims);
        return null;
      } catch (error) {
        if (error instanceof Unauthenticated) return error.reason;
        throw error;
      }
    },
    onError: (error) => log.error({ err: error }, 'subscriptions: a session change could not be applied to a socket'),
  });
  // Each change reaches the sockets once: this process's own from its events, the others' from the bus
  // (which never hands a process its own messages back). Audit lines and metrics listen to `events`
  // only, so each change is counted once, by the instance that made it.
  events.on((event) => {
    const signal = toSignal(event);
    if (signal) live.receive(signal);
  });
  bus.onSignal((signal) => live.receive(signal));
  // A rotated token's sealed successor is cleared once the grace window has passed.
  const stopSealSweeper = startSealSweeper(() => store.clearSealedSuccessors(), settings.sessions.reuseInterval, warn);
  // SQLite opened with `backgroundCheckpoints` (a database Gatehouse opened itself): checkpoints off the event loop.
  const checkpoints = startSqliteCheckpoints(orm, warn);
  const gh: Gatehouse = {
    settings,
    clock,
    keys,
    orm,
    sessions,
    store,
    events,
    verifiedTokens: new VerifiedTokenCache(),
    hooks,
    log,
    bus,
    loginLimiter: new LoginLimiter(settings, redis, clock),
    metrics,
    async serveMetrics() {
      const port = settings.server.metricsPort;
      if (port === null) return null;
      metrics.collectProcessMetrics();
      metricsServer ??= serveMetrics(metrics.registry, settings.server.host, port);
      return (await metricsServer).url;
    },
    accountLimiter: new AccountLimiter(settings, redis, clock),
    mailKey: key,
    mail,
    live,
    async close() {
      await mail.stop();
      live.close();
      stopSealSweeper();
      await checkpoints.stop();
      if (metricsServer) await (await metricsServer.catch(() => undefined))?.close();
      await bus.close();
      if (!redis) return;
      await redis.quit().catch(() => undefined);
      redis.disconnect();
    },
  };
  return gh;
}
