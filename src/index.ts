/**
 * Gatehouse as a library. See docs/library.md. Every export has a
 * reason (the comment beside it); what is not here is internal and may change.
 *
 * @example
 * import { createGatehouse, gatehouseContext, buildGatehouseSchema, authDirectiveTransformer } from 'gatehouse-graphql';
 */
import 'reflect-metadata';

// Settings: read them from an environment (loadSettings) or give them in code (settingsWith, each
// value checked like its variable); a bad one throws SettingsError. SETTINGS is the table of
// every variable, its default and meaning, for docs tooling.
export { loadSettings, settingsWith, SettingsError, SETTINGS, type Settings } from './settings';
// Errors, to throw from your resolvers and to recognise (`code`, `reason`): the contract's codes.
export {
  ErrorCode,
  GatehouseError,
  Unauthenticated,
  Forbidden,
  InvalidCredentials,
  InvalidRefreshToken,
  RefreshExpired,
  InvalidToken,
  RateLimited,
  BadUserInput,
  RefreshTokenHeaderNotAllowed,
  type TokenProblem,
  type RefreshProblem,
  type ForbiddenReason,
} from './errors';
// The @auth directive: SDL (SDL-first), GraphQLDirective (type-graphql), and the transformer that enforces it.
export { authDirective, authDirectiveTypeDefs, authDirectiveTransformer } from './directive/auth';
// The per-request context: gatehouseContext for Apollo's integrations; createContext/normalizeHeaders/clientAddress for any other server.
export { gatehouseContext, type ContextArgument } from './context/context-function';
export { createContext, normalizeHeaders, type GatehouseContext, type Headers } from './context/context';
// The type of `context.gatehouse` (its `principal()` gives the caller).
export type { RequestScope } from './context/context';
export { clientAddress } from './server/client-address';
// What `principal()` gives: the verified claims and the user.
export type { Principal } from './sessions/authenticate';
export type { UserSnapshot } from './sessions/cache';
export type { AccessClaims } from './tokens/access/claims';
// Schema: the built schema to merge with an SDL-first one, or the type-graphql resolvers for your own buildSchema.
export { gatehouseResolvers, buildGatehouseSchema } from './graphql/schema';
// type-graphql: the subscription resolvers (sessionEvents) apart, as type-graphql then demands a pubSub; noPubSub when you have none.
export { gatehouseSubscriptionResolvers, noPubSub } from './graphql/schema';
// Subscriptions: GraphQL over WebSocket (graphql-ws) on your own node:http server, with Gatehouse's auth, close codes and limits.
export { gatehouseSubscriptions, type SubscriptionServer, type SubscriptionServerOptions } from './subscriptions/server';
// The close codes a Gatehouse WebSocket may end with, for clients and tests.
export { CLOSE, CLOSE_REASON } from './subscriptions/close-codes';
// The SDL, for client code generation and schema checks.
export { printGatehouseSchema } from './graphql/schema';
// type-graphql object types, for your own @FieldResolver on them (e.g. a field the authPayload hook fills).
export { AuthPayloadType, TokenPayloadType, VerifyPayloadType } from './graphql/types/payloads';
export { UserType } from './graphql/types/user';
export { DeviceType } from './graphql/types/device';
// Database: entities and migrations for your own MikroORM config (and User for the findUser hook).
export { gatehouseEntities, User, Device, RefreshToken } from './entities';
export { gatehouseMigrations } from './migrations';
// The MikroORM config of Gatehouse's own database, for MikroORM's CLI (mikro-orm.config.ts).
export { ormConfig } from './db/config';
// The instance and its hooks.
export { createGatehouse, type CreateGatehouseOptions } from './library/create-gatehouse';
export type { Gatehouse, GatehouseHooks, AuthPayloadSource } from './runtime';
// What the authPayload hook receives and returns.
export type { AuthPayload, TokenPayload, AuthPayloadUser, AuthPayloadDevice } from './types/auth-payload';
// The type of `Gatehouse.keys`.
export type { TokenKeys } from './tokens/keys';
// Apollo Server: answers with the contract's codes and no stack traces; Gatehouse's response headers.
export { gatehouseFormatError } from './server/format-error';
export { gatehousePlugin, type GatehousePlugin } from './server/plugins/gatehouse';
// Metrics: the type of `gh.metrics` (its prom-client `registry`, for serving it on your own endpoint).
export type { GatehouseMetrics, OperationKind } from './metrics/metrics';
// A validation rule for your own Apollo Server: at most one tokenAuth per operation (each costs a bcrypt compare and a device).
export { oneTokenAuthPerOperation } from './graphql/validation/one-token-auth';
// Logs: a logger to pass as `logger`, and audit lines outside a request (`context.gatehouse.audit` inside one).
export { createLogger, type Logger } from './logging/logger';
export { audit, type AuditEvent, type AuditFields } from './logging/audit';
// The standalone server, started in-process.
export { startGatehouse, type RunningGatehouse, type StartOptions } from './server/app';
// Users from code (seed scripts, admin tools), with the CLI's checks.
export { createUser, UserInputError, type NewUser } from './users/create';
export { setUserPassword } from './users/set-password';
// Time: the clock a Gatehouse instance reads, and clocks for tests that must cross an expiry without waiting.
export { type Clock, systemClock, ManualClock, OffsetClock } from './util/clock';
// Events: what happens to sessions and accounts (`gh.events.on(listener)`), for your own audit trail, metrics or notifications.
export type { GatehouseEvent, GatehouseEventType, EndReason, Origin } from './store/events';
// What a sessionEvents subscription's resolver receives, for your own subscriptions on the socket registry.
export type { SessionEventPayload, SessionEventKind } from './subscriptions/live';
