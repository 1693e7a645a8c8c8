import { defaultFieldResolver, DirectiveLocation, GraphQLDirective, GraphQLList, GraphQLNonNull, GraphQLString, type GraphQLFieldConfig, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { Forbidden } from '../errors';
import { withGraphQLErrors } from '../graphql/errors';
import type { GatehouseContext } from '../context/context';
import { principalSync } from '../context/principal';
import type { Principal } from '../sessions/authenticate';

export const AUTH_DIRECTIVE = 'auth';

const DESCRIPTION =
  'Protects a field, or every field of a type. No roles: any signed-in, active user.\n' +
  'With roles: the user must hold at least one of them.';

/** The directive, for type-graphql's `buildSchema({ directives })`. */
export const authDirective = new GraphQLDirective({
  name: AUTH_DIRECTIVE,
  description: DESCRIPTION,
  locations: [DirectiveLocation.OBJECT, DirectiveLocation.FIELD_DEFINITION],
  args: { roles: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) } },
});

/** The same directive as SDL, for SDL-first schemas (`typeDefs: [authDirectiveTypeDefs, yours]`). */
export const authDirectiveTypeDefs = `"""\n${DESCRIPTION}\n"""\ndirective @${AUTH_DIRECTIVE}(roles: [String!]) on OBJECT | FIELD_DEFINITION\n`;

/**
 * Enforces `@auth` on a schema: every field that carries it, or whose type carries it,
 * first asks the request's Gatehouse scope for the caller (a verified, live session) and
 * checks the roles; a subscription field, when the subscription starts. Works on any
 * schema, type-graphql or SDL-first.
 *
 * @example
 * const schema = authDirectiveTransformer(makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs], resolvers }));
 */
export function authDirectiveTransformer(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, _name, typeName) => {
      const onField = getDirective(schema, field, AUTH_DIRECTIVE)?.[0];
      const type = schema.getType(typeName);
      const onType = onField ? undefined : type && getDirective(schema, type, AUTH_DIRECTIVE)?.[0];
      const rule = onField ?? onType;
      if (!rule || field.extensions?.[ENFORCED]) return field;
      return protect(field, (rule.roles as string[] | null | undefined) ?? []);
    },
  });
}

/** Marks a field already guarded, so transforming a merged schema again does not guard it twice. */
const ENFORCED = 'gatehouseAuthEnforced';

function protect(field: GraphQLFieldConfig<unknown, unknown>, roles: string[]): GraphQLFieldConfig<unknown, unknown> {
  const resolve = field.resolve ?? defaultFieldResolver;
  const guarded: GraphQLFieldConfig<unknown, unknown> = {
    ...field,
    extensions: { ...field.extensions, [ENFORCED]: true },
    // Synchronous when the caller is known from the caches: no promise added to the field.
    // Gatehouse errors (its own, or those the field's resolver throws, e.g. from
    // `gatehouse.principal()`) leave as GraphQL errors with the contract's code.
    resolve: guard(resolve, roles),
  };
  // A subscription field is checked when it starts (its event source is asked for only if
  // the caller may), and each event is resolved under the same check (cached per operation).
  if (field.subscribe) guarded.subscribe = guard(field.subscribe, roles);
  return guarded;
}

/** `run` behind the caller check and the roles, reporting Gatehouse errors as GraphQL errors. */
function guard(run: GraphQLFieldResolver<unknown, unknown>, roles: string[]): GraphQLFieldResolver<unknown, unknown> {
  return withGraphQLErrors((source, args, context, info) => {
    const scope = (context as Partial<GatehouseContext>).gatehouse;
    if (!scope) throw new Error('@auth needs the Gatehouse context (context.gatehouse)');
    const allowed = (principal: Principal) => {
      if (roles.length > 0 && !roles.some((role) => principal.user.roles.includes(role))) throw new Forbidden();
      return run(source, args, context, info);
    };
    const principal = principalSync(scope);
    return principal instanceof Promise ? principal.then(allowed) : allowed(principal);
  });
}
