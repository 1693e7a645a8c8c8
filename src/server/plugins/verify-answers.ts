import { type ApolloServerPlugin, type GraphQLResponse, HeaderMap } from '@apollo/server';
import {
  getNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  isAbstractType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import type { GatehouseContext } from '../../context/context';
import { DIRECT_RESOLVERS } from '../../graphql/schema';
import type { AccessClaims } from '../../tokens/access/claims';
import { VERIFIED_TOKEN_CACHE_SIZE } from '../../tokens/access/verified-cache';
import { timeProblem } from '../../tokens/access/verify-cached';
import { deepFreeze } from '../../util/deep-freeze';
import { LruMap } from '../../util/lru-map';
import { seconds } from '../../util/clock';

/** Where the one `verifyToken` field of an operation takes its token from. */
export type TokenSource = { variable: string } | { literal: string };

const sources = new WeakMap<OperationDefinitionNode, TokenSource | null>();

/**
 * The token source of an operation that is a mutation with exactly one root field,
 * `verifyToken(token: …)` (aliased or not), without directives on it; null for any other
 * operation. Pure (memoised per parsed operation, which Apollo reuses for the same query).
 */
export function verifyTokenSource(operation: OperationDefinitionNode): TokenSource | null {
  let source = sources.get(operation);
  if (source === undefined) {
    source = findVerifyTokenSource(operation);
    sources.set(operation, source);
  }
  return source;
}

function findVerifyTokenSource(operation: OperationDefinitionNode): TokenSource | null {
  if (operation.operation !== 'mutation' || operation.selectionSet.selections.length !== 1) return null;
  const field = operation.selectionSet.selections[0];
  if (field.kind !== Kind.FIELD || field.name.value !== 'verifyToken' || (field.directives?.length ?? 0) > 0) return null;
  const args = field.arguments ?? [];
  if (args.length !== 1 || args[0].name.value !== 'token') return null;
  const value = args[0].value;
  if (value.kind === Kind.VARIABLE) return { variable: value.name.value };
  if (value.kind === Kind.STRING) return { literal: value.value };
  return null;
}

/**
 * True when `verifyToken`'s answer is plain data from Gatehouse's own resolver: the field
 * is resolved by `DIRECT_RESOLVERS`, and every field below it (`VerifyPayload`,
 * `TokenPayload`, and whatever a schema adds to them) is read from that data by the
 * default resolver, with no abstract types. Then an answer depends on the token, the
 * clock, the document and the variables only.
 */
export function verifyAnswersArePlainData(schema: GraphQLSchema): boolean {
  const field = schema.getMutationType()?.getFields().verifyToken;
  if (!field || field.resolve !== DIRECT_RESOLVERS.Mutation.verifyToken) return false;
  const type = getNamedType(field.type);
  return isObjectType(type) && plainFields(type, new Set());
}

function plainFields(type: GraphQLObjectType, seen: Set<GraphQLObjectType>): boolean {
  if (seen.has(type)) return true;
  seen.add(type);
  return Object.values(type.getFields()).every((field) => {
    if (field.resolve !== undefined || field.subscribe !== undefined) return false;
    const named = getNamedType(field.type);
    if (isAbstractType(named)) return false;
    return !isObjectType(named) || plainFields(named, seen);
  });
}

/** A remembered answer: its data, and the time claims of the token it is about. */
interface Answer {
  data: Readonly<Record<string, unknown>>;
  claims: Pick<AccessClaims, 'exp' | 'nbf'>;
}

export interface VerifyAnswersOptions {
  /** How many answers to remember (default `VERIFIED_TOKEN_CACHE_SIZE`); 0 turns the plugin off. */
  maxEntries?: number;
  /** The clock, in seconds (for tests). */
  now?: () => number;
}

/**
 * Remembers successful `verifyToken` answers for the token's lifetime, so a service that
 * asks again about the same token gets the same answer without GraphQL executing again.
 * An answer is a pure function of the token, the clock, the query and its variables (the
 * keys and settings of a server are fixed), so an entry is keyed by the query, the
 * operation name and the variables, and before every use the token's `nbf` and `exp` are
 * checked against the clock with `JWT_LEEWAY`, exactly as `verifyToken` checks them; an
 * expired entry is dropped and the request executes (and gets `TOKEN_EXPIRED`).
 *
 * Only operations whose one root field is `verifyToken` are concerned, only answers
 * without errors are kept, the data is frozen, and the memory is bounded (least recently
 * used first out). It turns itself off unless `verifyAnswersArePlainData(schema)`: with a
 * schema whose `verifyToken` (or a field below it) has another resolver, every request executes.
 * Other plugins' `executionDidStart`/`willResolveField` hooks do not run for a remembered answer.
 *
 * @example
 * new ApolloServer<GatehouseContext>({ schema, plugins: [gatehousePlugin(), verifyAnswersPlugin()] });
 */
export function verifyAnswersPlugin(options: VerifyAnswersOptions = {}): ApolloServerPlugin<GatehouseContext> {
  const answers = new LruMap<Answer>(options.maxEntries ?? VERIFIED_TOKEN_CACHE_SIZE);
  const now = options.now ?? (() => seconds(Date.now()));
  let enabled = false;
  return {
    async serverWillStart({ schema }) {
      enabled = answers.maxEntries > 0 && verifyAnswersArePlainData(schema);
    },
    async requestDidStart({ request }) {
      // No listener at all for other requests: every listener costs Apollo a promise per hook.
      if (!enabled || !request.query?.includes('verifyToken')) return;
      /** Set when this request's answer may be remembered once it is known. */
      let pending: { key: string; token: string } | null = null;
      return {
        async responseForOperation({ operation, request, contextValue }): Promise<GraphQLResponse | null> {
          const scope = contextValue.gatehouse;
          const source = operation ? verifyTokenSource(operation) : null;
          if (!source || !scope || request.query === undefined) return null;
          const token = 'variable' in source ? request.variables?.[source.variable] : source.literal;
          if (typeof token !== 'string') return null;
          const key = `${request.operationName ?? ''}\u0000${JSON.stringify(request.variables ?? null)}\u0000${request.query}`;
          const answer = answers.get(key);
          if (answer === undefined) {
            pending = { key, token };
            return null;
          }
          if (timeProblem(answer.claims, scope.gh.settings.leeway, now()) !== null) {
            answers.delete(key);
            return null;
          }
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data: answer.data } } };
        },
        async willSendResponse({ response, contextValue }) {
          if (pending === null || response.body.kind !== 'single') return;
          const { data, errors, extensions } = response.body.singleResult;
          // The claims of the token just verified (verifyToken remembered them), for the clock checks.
          const claims = contextValue.gatehouse?.gh.verifiedTokens.lookup(pending.token);
          if (errors !== undefined || extensions !== undefined || !data || !claims) return;
          answers.set(pending.key, { data: deepFreeze(data), claims: { exp: claims.exp, nbf: claims.nbf } });
        },
      };
    },
  };
}
