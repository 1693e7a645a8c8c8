/**
 * Gatehouse's output types are plain data: their fields need no type-graphql middleware,
 * so graphql-js reads them directly (`simpleResolvers`), which saves a wrapper call per
 * field on every request. A `@FieldResolver` you add to one of them still runs.
 */
export const SIMPLE = { simpleResolvers: true } as const;
