import 'reflect-metadata';
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import { authDirective, authDirectiveTransformer } from '../directive/auth';
import { withGraphQLErrors } from './errors';
import { tracedOperation } from '../tracing/spans';
import { AccountResolver } from './resolvers/accounts';
import { AppTokenResolver } from './resolvers/app-tokens';
import { AuthResolver, refreshTokenField, verifyTokenField } from './resolvers/auth';
import { DeviceResolver } from './resolvers/devices';
import { PasswordResolver } from './resolvers/password';
import { meField, UserResolver } from './resolvers/user';
import { SessionEventsResolver } from './resolvers/session-events';
import type { GatehouseContext } from '../context/context';

/** Gatehouse's type-graphql resolvers, for `buildSchema({ resolvers: [...gatehouseResolvers, ...yours] })`. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const gatehouseResolvers: NonEmptyArray<Function> = [UserResolver, DeviceResolver, AppTokenResolver, AuthResolver, PasswordResolver, AccountResolver];

/**
 * Gatehouse's type-graphql subscription resolvers (`sessionEvents`), for
 * `buildSchema({ resolvers: [...gatehouseResolvers, ...gatehouseSubscriptionResolvers, ...yours], pubSub })`.
 * Apart because type-graphql demands a `pubSub` once a schema has a subscription: give
 * yours, or `noPubSub` when you have none (Gatehouse's subscriptions bring their own event source).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const gatehouseSubscriptionResolvers: NonEmptyArray<Function> = [SessionEventsResolver];

/**
 * A type-graphql `pubSub` for schemas whose subscriptions all bring their own event source
 * (`@Subscription({ subscribe })`, as `sessionEvents` does): it refuses topics.
 */
export const noPubSub: PubSub = {
  publish() {
    throw new Error('noPubSub: this schema has no PubSub; give buildSchema a real one to publish to topics');
  },
  subscribe() {
    throw new Error('noPubSub: this schema has no PubSub; give buildSchema a real one to subscribe to topics');
  },
};

/** Builds Gatehouse's schema with `@auth` declared but not yet enforced. */
export async function buildSchemaWithoutEnforcement(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [...gatehouseResolvers, ...gatehouseSubscriptionResolvers], directives: [authDirective], validate: false, pubSub: noPubSub });
}

/**
 * Root fields whose resolvers are installed directly, over type-graphql's handlers.
 * type-graphql passes every argument through an async function (`validateArg`, even with
 * `validate: false`), so each of its resolvers that takes arguments answers with a promise,
 * and graphql-js then completes the field and runs the mutation through promise chains.
 * For a field that does no I/O that is most of its cost; these answer synchronously.
 * `me` takes no argument, but its handler (the container, middlewares, parameters) was
 * still a few per cent of a request; `refreshToken` does I/O, but type-graphql's argument
 * handling (parameters, `validateArg`, the args class) was about 3 % of a rotation's samples.
 * Each one is the same function its type-graphql method calls, so both paths agree.
 */
export const DIRECT_RESOLVERS: Record<'Query' | 'Mutation', Record<string, GraphQLFieldResolver<unknown, GatehouseContext, any>>> = {
  Query: {
    me: withGraphQLErrors(tracedOperation('Query', 'me', (_root: unknown, _args: unknown, context: GatehouseContext) => meField(context))),
  },
  Mutation: {
    verifyToken: withGraphQLErrors(tracedOperation('Mutation', 'verifyToken', (_root: unknown, args: { token: string }, context: GatehouseContext) => verifyTokenField(args.token, context))),
    refreshToken: withGraphQLErrors(
      tracedOperation('Mutation', 'refreshToken', (_root: unknown, args: { refreshToken?: string | null; token?: string | null }, context: GatehouseContext) => refreshTokenField(args, context)),
    ),
  },
};

/** Installs `DIRECT_RESOLVERS` on a schema built from `gatehouseResolvers`. Internal: it changes speed only, not answers. */
function installDirectResolvers(schema: GraphQLSchema): GraphQLSchema {
  for (const type of ['Query', 'Mutation'] as const) {
    const fields = (type === 'Query' ? schema.getQueryType() : schema.getMutationType())?.getFields() ?? {};
    for (const [name, resolve] of Object.entries(DIRECT_RESOLVERS[type])) {
      const field = fields[name];
      if (!field) throw new Error(`DIRECT_RESOLVERS: the schema has no ${type}.${name}`);
      field.resolve = resolve;
    }
  }
  return schema;
}

/** Gatehouse's executable schema: built from the resolvers, `@auth` enforced, `me` and `verifyToken` answering synchronously. */
export async function buildGatehouseSchema(): Promise<GraphQLSchema> {
  return authDirectiveTransformer(installDirectResolvers(await buildSchemaWithoutEnforcement()));
}

let servedSchema: Promise<GraphQLSchema> | undefined;

/**
 * The schema `startGatehouse` serves: `buildGatehouseSchema()`, built once per process and
 * shared by every server in it. It depends on nothing of an instance (resolvers reach their
 * instance through the context), so a second server need not pay type-graphql's build again.
 * A failed build is not remembered. Public callers keep getting a fresh schema of their own.
 */
export function servedGatehouseSchema(): Promise<GraphQLSchema> {
  servedSchema ??= buildGatehouseSchema().catch((error: unknown) => {
    servedSchema = undefined;
    throw error;
  });
  return servedSchema;
}

/** The SDL committed as `schema.graphql`: directive definitions and usages included. */
export async function printGatehouseSchema(): Promise<string> {
  return printSchemaWithDirectives(await buildSchemaWithoutEnforcement()) + '\n';
}
