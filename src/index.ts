/**
 * Gatehouse as a library. See the README, "Use it in your own server".
 *
 * @example
 * import { createGatehouse, gatehouseContext, buildGatehouseSchema, authDirectiveTransformer } from 'gatehouse';
 */
import 'reflect-metadata';

export { loadSettings, settingsWith, parseDuration, SettingsError, type Settings } from './settings';
export * from './errors';
// The @auth directive: SDL, GraphQLDirective (type-graphql) and the transformer that enforces it.
export { authDirective, authDirectiveTypeDefs, authDirectiveTransformer, AUTH_DIRECTIVE } from './directive/auth';
// Per-request context.
export { createContext, normalizeHeaders, RequestScope, type GatehouseContext, type Headers } from './context/context';
export { gatehouseContext, type ContextArgument } from './context/context-function';
export { clientAddress } from './server/client-address';
export type { Principal } from './sessions/authenticate';
export type { UserSnapshot } from './sessions/cache';
// Schema: type-graphql resolvers and types, or the built schema to merge with an SDL-first one.
export { gatehouseResolvers, buildGatehouseSchema, installDirectResolvers, printGatehouseSchema } from './graphql/schema';
export { AuthPayloadType, TokenPayloadType, VerifyPayloadType } from './graphql/types/payloads';
export { UserType } from './graphql/types/user';
export { DeviceType } from './graphql/types/device';
// Database: entities and migrations for your MikroORM config, or Gatehouse's own.
export { gatehouseEntities, User, Device, RefreshToken } from './entities';
export { gatehouseMigrations } from './migrations';
export { ormConfig } from './db/config';
export { openDatabase, migrate } from './db/orm';
// The instance and its hooks.
export { createGatehouse, type CreateGatehouseOptions } from './library/create-gatehouse';
export { createRuntime, type Gatehouse, type GatehouseHooks, type AuthPayloadSource } from './runtime';
// Tokens.
export { loadTokenKeys, type TokenKeys } from './tokens/keys';
export { signAccessToken } from './tokens/access/sign';
export { verifyAccessToken } from './tokens/access/verify';
export type { AccessClaims } from './tokens/access/claims';
export { gatehouseFormatError } from './server/format-error';
export { gatehousePlugin } from './server/plugins/gatehouse';
// Logs.
export { createLogger, type Logger } from './logging/logger';
export { audit, type AuditEvent, type AuditFields } from './logging/audit';
export { requestIdFrom } from './logging/request-id';
// The standalone server and users.
export { startGatehouse, type RunningGatehouse, type StartOptions } from './server/app';
export { createUser, UserInputError, type NewUser } from './users/create';
export { setPassword } from './users/set-password';
