/**
 * Gatehouse as a library. See the README, "Use it in your own server".
 */
import 'reflect-metadata';

export { loadSettings, settingsWith, parseDuration, SettingsError, type Settings } from './settings';
export * from './errors';
export { authDirective, authDirectiveTypeDefs, authDirectiveTransformer } from './directive/auth';
export { createContext, normalizeHeaders, RequestScope, type GatehouseContext } from './context/context';
export { clientAddress } from './server/client-address';
export { gatehouseResolvers, buildGatehouseSchema, printGatehouseSchema } from './graphql/schema';
export { gatehouseEntities, User, Device, RefreshToken } from './entities';
export { ormConfig } from './db/config';
export { openDatabase, migrate } from './db/orm';
export { createRuntime, type Gatehouse, type GatehouseHooks } from './runtime';
export { loadTokenKeys, type TokenKeys } from './tokens/keys';
export { signAccessToken } from './tokens/access/sign';
export { verifyAccessToken } from './tokens/access/verify';
export type { AccessClaims } from './tokens/access/claims';
export { startGatehouse, type RunningGatehouse, type StartOptions } from './server/app';
export { createUser, UserInputError } from './users/create';
export { setPassword } from './users/set-password';
