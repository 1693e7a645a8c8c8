import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit, type DocumentNode } from 'graphql';
import { BadUserInput } from '../errors';
import { toGraphQLError } from '../graphql/errors';

const NUL = '\u0000';

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(hasNul);
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([key, item]) => key.includes(NUL) || hasNul(item));
  return false;
}

/** Documents already walked: Apollo hands the same parsed document to every request of one query. */
const walked = new WeakMap<DocumentNode, boolean>();

function documentHasNul(document: DocumentNode): boolean {
  const known = walked.get(document);
  if (known !== undefined) return known;
  let found = false;
  visit(document, {
    [Kind.STRING]: (node) => {
      if (node.value.includes(NUL)) found = true;
    },
  });
  walked.set(document, found);
  return found;
}

/** True when an operation's variables or string literals hold U+0000 (see `rejectNulCharacters`). */
export function operationHasNul(document: DocumentNode, variables: unknown): boolean {
  return hasNul(variables) || documentHasNul(document);
}

/**
 * Refuses any operation whose variables or string literals hold U+0000 (BAD_USER_INPUT,
 * HTTP 400). No Gatehouse value may contain it: PostgreSQL cannot store it, SQLite's SQL
 * text ends at it, and bcrypt stops reading a password there (so "a\0anything" would
 * match "a"). Refusing it at the door keeps it away from every resolver, present and future.
 *
 * @example new ApolloServer({ schema, plugins: [rejectNulCharacters] })
 */
export const rejectNulCharacters: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document }) {
        if (operationHasNul(document, request.variables)) {
          throw toGraphQLError(new BadUserInput('Arguments must not contain the NUL character (U+0000).'), { http: { status: 400 } });
        }
      },
    };
  },
};
