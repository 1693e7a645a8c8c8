import { GraphQLError } from 'graphql';

/**
 * The contract's error codes (`extensions.code`). Every failure Gatehouse reports uses one.
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  INVALID_REFRESH_TOKEN = 'INVALID_REFRESH_TOKEN',
  REFRESH_EXPIRED = 'REFRESH_EXPIRED',
  INVALID_TOKEN = 'INVALID_TOKEN',
  RATE_LIMITED = 'RATE_LIMITED',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
}

/** Why an access token was not usable (`extensions.reason` of UNAUTHENTICATED and INVALID_TOKEN). */
export type TokenProblem = 'MISSING_TOKEN' | 'INVALID_TOKEN' | 'TOKEN_EXPIRED' | 'SESSION_REVOKED';

/** Why a refresh token was refused (`extensions.reason` of INVALID_REFRESH_TOKEN). */
export type RefreshProblem = 'EXPIRED' | 'REVOKED' | 'REUSED' | 'UNKNOWN';

/**
 * Base class of every error Gatehouse reports to clients. It is a `GraphQLError`, so
 * Apollo sends it as it is: a message meant for users, `extensions.code`, and
 * `extensions.reason` where the contract gives one. Never a stack trace.
 */
export abstract class GatehouseError extends GraphQLError {
  abstract readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode, extensions: Record<string, unknown> = {}) {
    // No stack is captured: these errors are answers to clients, never shown with one, and
    // a stack trace (captured here, formatted when graphql-js places the error at its
    // field) was most of the cost of an error answer.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message, { extensions: { code, ...extensions } });
    } finally {
      Error.stackTraceLimit = limit;
    }
    // A plain string, so reading it (graphql-js copies it into the error it places) formats nothing.
    Object.defineProperty(this, 'stack', { value: `GraphQLError: ${message}`, writable: true, configurable: true });
  }
}

/**
 * Runs `work` with no stack traces captured for the errors it throws, for library calls
 * whose errors are only inspected for their type (e.g. jsonwebtoken's on a refused token).
 *
 * @example const decoded = withoutStackTraces(() => jwt.verify(token, key, options));
 */
export function withoutStackTraces<T>(work: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return work();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export class Unauthenticated extends GatehouseError {
  readonly code = ErrorCode.UNAUTHENTICATED;
  constructor(readonly reason: TokenProblem) {
    super(MESSAGES[reason], ErrorCode.UNAUTHENTICATED, { reason });
  }
}

export class Forbidden extends GatehouseError {
  readonly code = ErrorCode.FORBIDDEN;
  constructor() {
    super('You do not have permission to do this.', ErrorCode.FORBIDDEN);
  }
}

export class InvalidCredentials extends GatehouseError {
  readonly code = ErrorCode.INVALID_CREDENTIALS;
  constructor() {
    super('Please enter valid credentials.', ErrorCode.INVALID_CREDENTIALS);
  }
}

export class InvalidRefreshToken extends GatehouseError {
  readonly code = ErrorCode.INVALID_REFRESH_TOKEN;
  constructor(readonly reason: RefreshProblem, message = REFRESH_MESSAGES[reason]) {
    super(message, ErrorCode.INVALID_REFRESH_TOKEN, { reason });
  }
}

export class RefreshExpired extends GatehouseError {
  readonly code = ErrorCode.REFRESH_EXPIRED;
  constructor(message = 'Refresh has expired.') {
    super(message, ErrorCode.REFRESH_EXPIRED);
  }
}

export class InvalidToken extends GatehouseError {
  readonly code = ErrorCode.INVALID_TOKEN;
  constructor(readonly reason: TokenProblem) {
    super(MESSAGES[reason], ErrorCode.INVALID_TOKEN, { reason });
  }
}

export class RateLimited extends GatehouseError {
  readonly code = ErrorCode.RATE_LIMITED;
  constructor(readonly retryAfter: number) {
    super('Too many failed attempts. Try again later.', ErrorCode.RATE_LIMITED, { retryAfter });
  }
}

export class BadUserInput extends GatehouseError {
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor(message: string, reason?: string) {
    super(message, ErrorCode.BAD_USER_INPUT, reason ? { reason } : {});
  }
}

/** A `Refresh-Token` header on an operation that must not receive it: HTTP 400. */
export class RefreshTokenHeaderNotAllowed extends GatehouseError {
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor() {
    super(
      'The Refresh-Token header is accepted only by refreshToken and revokeRefreshToken; do not send it with other operations.',
      ErrorCode.BAD_USER_INPUT,
      { reason: 'REFRESH_TOKEN_HEADER_NOT_ALLOWED', http: { status: 400 } },
    );
  }
}

const MESSAGES: Record<TokenProblem, string> = {
  MISSING_TOKEN: 'You must be signed in to do this.',
  INVALID_TOKEN: 'The access token is invalid.',
  TOKEN_EXPIRED: 'The access token has expired.',
  SESSION_REVOKED: 'The session of this access token has ended.',
};

const REFRESH_MESSAGES: Record<RefreshProblem, string> = {
  EXPIRED: 'The refresh token has expired.',
  REVOKED: 'The refresh token has been revoked.',
  REUSED: 'The refresh token was already used; the session has been ended.',
  UNKNOWN: 'The refresh token is invalid.',
};
