/**
 * `gatehouse-graphql/client`: a dependency-free client for Gatehouse servers (browsers and Node 20+).
 * See docs/library.md, "Browser apps and the client".
 */
export { GatehouseClient } from './client';
export { GraphQLRequestError, type GraphQLErrorItem } from './errors';
export type { SubscriptionSink } from './subscriptions';
export type { ClientSession, GatehouseClientOptions, LoginResult, SignOutEvent, SignOutReason } from './types';
