import { getMetadataStorage } from 'type-graphql';
import { tracedOperation } from './spans';

/**
 * A class decorator for Gatehouse's resolver classes: every method that type-graphql serves
 * as a root field (`@Query`, `@Mutation`) answers inside a span named after its field (see
 * `tracedOperation`). Field resolvers of object types and subscriptions are left alone.
 * `GraphQLErrors()` (src/graphql/errors.ts) applies it, so every Gatehouse resolver class
 * gets its spans; it must run after the method decorators (a class decorator does).
 *
 * @example
 * @TracedOperations()
 * @Resolver()
 * class AuthResolver { @Mutation(() => AuthPayloadType) tokenAuth(…) { … } }
 */
export function TracedOperations(): ClassDecorator {
  return (target) => {
    const storage = getMetadataStorage();
    const prototype = target.prototype as Record<string, unknown>;
    const roots = [
      ['Query', storage.queries],
      ['Mutation', storage.mutations],
    ] as const;
    for (const [type, list] of roots) {
      for (const definition of list) {
        if (definition.target !== target) continue;
        const method = prototype[definition.methodName];
        if (typeof method === 'function') prototype[definition.methodName] = tracedOperation(type, definition.schemaName, method as (...args: unknown[]) => unknown);
      }
    }
  };
}
