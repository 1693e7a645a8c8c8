import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import { Kind, visit, type DocumentNode } from 'graphql';
import { BadUserInput } from '../errors';
import { toGraphQLError } from '../graphql/errors';

const NUL = '\u0000';

/** Deepest nesting of arrays and objects accepted in `variables` (the variables object itself is level 1). */
export const MAX_VARIABLE_DEPTH = 32;
/** Most values (objects, arrays, strings, numbers, …, each key counted too) accepted in `variables`. */
export const MAX_VARIABLE_NODES = 10_000;

/** What the walk found: nothing wrong, a NUL character, or variables past a limit. */
export type VariablesProblem = 'NUL' | 'TOO_DEEP' | 'TOO_MANY' | null;

/**
 * Walks `variables` without recursion (an explicit stack, so no input can overflow the call
 * stack) and stops at the first problem: a string or key holding U+0000, nesting deeper than
 * `MAX_VARIABLE_DEPTH`, or more than `MAX_VARIABLE_NODES` values. Work is bounded by the node
 * limit whatever the input.
 *
 * @example
 * variablesProblem({ a: 'x\u0000' });               // 'NUL'
 * variablesProblem(JSON.parse('[[[[…4,000…]]]]'));  // 'TOO_DEEP'
 */
export function variablesProblem(variables: unknown, limits = { depth: MAX_VARIABLE_DEPTH, nodes: MAX_VARIABLE_NODES }): VariablesProblem {
  const stack: Array<[value: unknown, depth: number]> = [[variables, 1]];
  // Counted as values are pushed, so the stack itself never holds more than the limit.
  let nodes = 1;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return 'NUL';
    } else if (typeof value === 'object' && value !== null) {
      if (depth > limits.depth) return 'TOO_DEEP';
      if (Array.isArray(value)) {
        if ((nodes += value.length) > limits.nodes) return 'TOO_MANY';
        for (const item of value) stack.push([item, depth + 1]);
      } else {
        const keys = Object.keys(value);
        if ((nodes += 2 * keys.length) > limits.nodes) return 'TOO_MANY';
        for (const key of keys) {
          if (key.includes(NUL)) return 'NUL';
          stack.push([(value as Record<string, unknown>)[key], depth + 1]);
        }
      }
    }
  }
  return null;
}

const MESSAGES: Record<Exclude<VariablesProblem, null>, string> = {
  NUL: 'Arguments must not contain the NUL character (U+0000).',
  TOO_DEEP: `Variables are nested too deeply (at most ${MAX_VARIABLE_DEPTH} levels of arrays and objects).`,
  TOO_MANY: `Variables hold too many values (at most ${MAX_VARIABLE_NODES}).`,
};

/** Documents already walked: Apollo hands the same parsed document to every request of one query. */
const walked = new WeakMap<DocumentNode, boolean>();

function documentHasNul(document: DocumentNode): boolean {
  const known = walked.get(document);
  if (known !== undefined) return known;
  let found = false;
  // The document's depth is bounded before this runs: the parser's token limit and graphql-armor's depth rule.
  visit(document, {
    [Kind.STRING]: (node) => {
      if (node.value.includes(NUL)) found = true;
    },
  });
  walked.set(document, found);
  return found;
}

/**
 * Why an operation is refused at the door, as the message a client gets, or null: its
 * variables are too deep or too many, or they or its string literals hold U+0000 (see
 * `rejectNulCharacters`). The one check for HTTP and WebSocket operations alike.
 */
export function operationProblem(document: DocumentNode, variables: unknown): string | null {
  const problem = variablesProblem(variables) ?? (documentHasNul(document) ? 'NUL' : null);
  return problem ? MESSAGES[problem] : null;
}

/**
 * Refuses any operation whose variables or string literals hold U+0000 (BAD_USER_INPUT,
 * HTTP 400). No Gatehouse value may contain it: PostgreSQL cannot store it, SQLite's SQL
 * text ends at it, and bcrypt stops reading a password there (so "a\0anything" would
 * match "a"). Refusing it at the door keeps it away from every resolver, present and future.
 * Variables nested deeper than `MAX_VARIABLE_DEPTH` or holding more than
 * `MAX_VARIABLE_NODES` values are refused the same way (`variablesProblem`).
 *
 * @example new ApolloServer({ schema, plugins: [rejectNulCharacters] })
 */
export const rejectNulCharacters: ApolloServerPlugin = {
  async requestDidStart() {
    return checkOperation;
  },
};

/** One listener for every request (it keeps no state of its own). */
const checkOperation: GraphQLRequestListener<BaseContext> = {
  async didResolveOperation({ request, document }) {
    const problem = operationProblem(document, request.variables);
    if (problem) throw toGraphQLError(new BadUserInput(problem), { http: { status: 400 } });
  },
};
