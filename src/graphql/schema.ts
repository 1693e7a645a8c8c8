import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { authDirective, authDirectiveTransformer } from '../directive/auth';
import { AppTokenResolver } from './resolvers/app-tokens';
import { AuthResolver } from './resolvers/auth';
import { DeviceResolver } from './resolvers/devices';
import { PasswordResolver } from './resolvers/password';
import { UserResolver } from './resolvers/user';

/** Gatehouse's type-graphql resolvers, for `buildSchema({ resolvers: [...gatehouseResolvers, ...yours] })`. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const gatehouseResolvers: NonEmptyArray<Function> = [UserResolver, DeviceResolver, AppTokenResolver, AuthResolver, PasswordResolver];

/** Builds Gatehouse's schema with `@auth` declared but not yet enforced. */
export async function buildSchemaWithoutEnforcement(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: gatehouseResolvers, directives: [authDirective], validate: false });
}

/** Gatehouse's executable schema: built from the resolvers, `@auth` enforced. */
export async function buildGatehouseSchema(): Promise<GraphQLSchema> {
  return authDirectiveTransformer(await buildSchemaWithoutEnforcement());
}

/** The SDL committed as `schema.graphql`: directive definitions and usages included. */
export async function printGatehouseSchema(): Promise<string> {
  return printSchemaWithDirectives(await buildSchemaWithoutEnforcement()) + '\n';
}
