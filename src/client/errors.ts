/** One GraphQL error as the server sends it. */
export interface GraphQLErrorItem {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; reason?: string; [key: string]: unknown };
}

/**
 * A request that came back with GraphQL errors (or an HTTP error with a GraphQL body).
 * `code` and `reason` are those of the first error.
 */
export class GraphQLRequestError extends Error {
  readonly code: string | undefined;
  readonly reason: string | undefined;
  constructor(
    readonly errors: readonly GraphQLErrorItem[],
    readonly status: number,
    /** Whatever data came with the errors (partial results). */
    readonly data: unknown = null,
  ) {
    super(errors[0]?.message ?? `HTTP ${status}`);
    this.name = 'GraphQLRequestError';
    this.code = errors[0]?.extensions?.code;
    this.reason = errors[0]?.extensions?.reason;
  }

  /** True when some error has this code (and this reason, when given). */
  has(code: string, reason?: string): boolean {
    return this.errors.some((error) => error.extensions?.code === code && (reason === undefined || error.extensions?.reason === reason));
  }
}
