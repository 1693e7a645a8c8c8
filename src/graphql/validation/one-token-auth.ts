import { Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';
import { BadUserInput } from '../../errors';
import { toGraphQLError } from '../errors';

/**
 * A validation rule: one operation may hold at most one `tokenAuth` (aliases included),
 * else `BAD_USER_INPUT` (reason `TOO_MANY_TOKEN_AUTH`), before anything runs. Each
 * `tokenAuth` costs a bcrypt compare and creates a device, so fifteen aliased ones in one
 * request would cost fifteen compares and fifteen devices. Counts the distinct response
 * names of the operation's root `tokenAuth` fields, fragments and inline fragments
 * included (a spread seen twice counts once, as graphql-js runs it once); `@skip` and
 * `@include` are not looked at, so such a document is refused whatever its variables.
 * Cheap: one walk of the root selections, and Apollo caches a document's validation.
 *
 * @example
 * new ApolloServer({ schema, validationRules: [oneTokenAuthPerOperation] });
 */
export function oneTokenAuthPerOperation(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      if (operation.operation !== 'mutation') return false;
      const names = new Set<string>();
      const spread = new Set<string>();
      const walk = (selectionSet: SelectionSetNode) => {
        for (const selection of selectionSet.selections) {
          if (selection.kind === Kind.FIELD) {
            if (selection.name.value === 'tokenAuth') names.add(selection.alias?.value ?? selection.name.value);
          } else if (selection.kind === Kind.INLINE_FRAGMENT) {
            walk(selection.selectionSet);
          } else if (!spread.has(selection.name.value)) {
            spread.add(selection.name.value);
            const fragment = context.getFragment(selection.name.value);
            if (fragment) walk(fragment.selectionSet);
          }
        }
      };
      walk(operation.selectionSet);
      if (names.size > 1) {
        context.reportError(toGraphQLError(new BadUserInput('One operation may hold at most one tokenAuth.', 'TOO_MANY_TOKEN_AUTH')));
      }
      return false;
    },
  };
}
