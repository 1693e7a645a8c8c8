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
  INVALID_EMAIL_TOKEN = 'INVALID_EMAIL_TOKEN',
  EMAIL_NOT_VERIFIED = 'EMAIL_NOT_VERIFIED',
}

/** Why an access token was not usable (`extensions.reason` of UNAUTHENTICATED and INVALID_TOKEN). */
export type TokenProblem = 'MISSING_TOKEN' | 'INVALID_TOKEN' | 'TOKEN_EXPIRED' | 'SESSION_REVOKED';

/** Why a refresh token was refused (`extensions.reason` of INVALID_REFRESH_TOKEN). */
export type RefreshProblem = 'EXPIRED' | 'REVOKED' | 'REUSED' | 'UNKNOWN';

/** Why a one-time e-mail token was refused (`extensions.reason` of INVALID_EMAIL_TOKEN). */
export type EmailTokenProblem = 'UNKNOWN' | 'USED' | 'EXPIRED';

/**
 * Base class of every error Gatehouse reports to clients: a message meant for users, the
 * contract's `code`, and the `reason` (or `retryAfter`) where the contract gives one. A
 * plain `Error` that knows nothing of GraphQL or HTTP: `toGraphQLError` (src/graphql/errors.ts)
 * is the one place that turns it into an answer. Never a stack trace.
 *
 * @example
 * if (!user.isActive) throw new Unauthenticated('SESSION_REVOKED');
 */
export abstract class GatehouseError extends Error {
  abstract readonly code: ErrorCode;
  /** Why, where the contract gives a reason (`extensions.reason`). */
  readonly reason?: string;
  /** Seconds until trying again makes sense (`extensions.retryAfter` of RATE_LIMITED). */
  readonly retryAfter?: number;

  constructor(message: string, details: { reason?: string; retryAfter?: number } = {}) {
    // No stack is captured: these errors are answers to clients, never shown with one, and
    // a stack trace (captured here, formatted when graphql-js places the error at its
    // field) was most of the cost of an error answer.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
    // A plain string, so reading it (graphql-js copies it into the error it places) formats nothing.
    Object.defineProperty(this, 'stack', { value: `${new.target.name}: ${message}`, writable: true, configurable: true });
  }
}

/**
 * Runs `work` with no stack traces captured for the errors it throws, for library calls
 * whose errors are only inspected for their type (e.g. jsonwebtoken's on a refused token).
 *
 * @example const error = withoutStackTraces(() => new GraphQLError(message));
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
  declare readonly reason: TokenProblem;
  constructor(reason: TokenProblem) {
    super(MESSAGES[reason], { reason });
  }
}

/** Why a signed-in caller may not do something (`extensions.reason` of FORBIDDEN; none for a missing role). */
export type ForbiddenReason =
  /** The operation needs an access token of a device session (a password login and its refreshes); this one was delegated from an app token. */
  | 'DEVICE_SESSION_REQUIRED'
  /** The operation needs a recent password login (`orig_iat` within `APP_TOKEN_REAUTH_WINDOW`). */
  | 'REAUTHENTICATION_REQUIRED'
  /** `register` without `SIGNUP_ENABLED=true`. */
  | 'SIGNUP_DISABLED';

export class Forbidden extends GatehouseError {
  readonly code = ErrorCode.FORBIDDEN;
  declare readonly reason?: ForbiddenReason;
  constructor(reason?: ForbiddenReason) {
    super(reason ? FORBIDDEN_MESSAGES[reason] : 'You do not have permission to do this.', reason ? { reason } : {});
  }
}

/** `verifyEmail` or `resetPassword` with a one-time token that is unknown (or of another purpose), used or expired. */
export class InvalidEmailToken extends GatehouseError {
  readonly code = ErrorCode.INVALID_EMAIL_TOKEN;
  declare readonly reason: EmailTokenProblem;
  constructor(reason: EmailTokenProblem) {
    super(EMAIL_TOKEN_MESSAGES[reason], { reason });
  }
}

/** `tokenAuth` with the right password, `EMAIL_VERIFICATION=required`, and an address not verified yet. */
export class EmailNotVerified extends GatehouseError {
  readonly code = ErrorCode.EMAIL_NOT_VERIFIED;
  constructor() {
    super('Please verify your e-mail address first: follow the link in the mail we sent (or ask for a new one).');
  }
}

const FORBIDDEN_MESSAGES: Record<ForbiddenReason, string> = {
  DEVICE_SESSION_REQUIRED: 'This needs an access token from a signed-in device, not one delegated to an app.',
  REAUTHENTICATION_REQUIRED: 'This needs a recent sign-in: sign in with your password again.',
  SIGNUP_DISABLED: 'Sign-up is not enabled on this server.',
};

export class InvalidCredentials extends GatehouseError {
  readonly code = ErrorCode.INVALID_CREDENTIALS;
  constructor() {
    super('Please enter valid credentials.');
  }
}

export class InvalidRefreshToken extends GatehouseError {
  readonly code = ErrorCode.INVALID_REFRESH_TOKEN;
  declare readonly reason: RefreshProblem;
  constructor(reason: RefreshProblem, message = REFRESH_MESSAGES[reason]) {
    super(message, { reason });
  }
}

export class RefreshExpired extends GatehouseError {
  readonly code = ErrorCode.REFRESH_EXPIRED;
  constructor(message = 'Refresh has expired.') {
    super(message);
  }
}

export class InvalidToken extends GatehouseError {
  readonly code = ErrorCode.INVALID_TOKEN;
  declare readonly reason: TokenProblem;
  constructor(reason: TokenProblem) {
    super(MESSAGES[reason], { reason });
  }
}

export class RateLimited extends GatehouseError {
  readonly code = ErrorCode.RATE_LIMITED;
  declare readonly retryAfter: number;
  constructor(retryAfter: number, message = 'Too many failed attempts. Try again later.') {
    super(message, { retryAfter });
  }
}

export class BadUserInput extends GatehouseError {
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor(message: string, reason?: string) {
    super(message, reason ? { reason } : {});
  }
}

/** A `Refresh-Token` header on an operation that must not receive it (answered with HTTP 400 by `refreshTokenHeaderPlugin`). */
export class RefreshTokenHeaderNotAllowed extends GatehouseError {
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor() {
    super('The Refresh-Token header is accepted only by refreshToken and revokeRefreshToken; do not send it with other operations.', {
      reason: 'REFRESH_TOKEN_HEADER_NOT_ALLOWED',
    });
  }
}

const MESSAGES: Record<TokenProblem, string> = {
  MISSING_TOKEN: 'You must be signed in to do this.',
  INVALID_TOKEN: 'The access token is invalid.',
  TOKEN_EXPIRED: 'The access token has expired.',
  SESSION_REVOKED: 'The session of this access token has ended.',
};

const EMAIL_TOKEN_MESSAGES: Record<EmailTokenProblem, string> = {
  UNKNOWN: 'The link is not valid.',
  USED: 'The link has already been used.',
  EXPIRED: 'The link has expired; ask for a new one.',
};

const REFRESH_MESSAGES: Record<RefreshProblem, string> = {
  EXPIRED: 'The refresh token has expired.',
  REVOKED: 'The refresh token has been revoked.',
  REUSED: 'The refresh token was already used; the session has been ended.',
  UNKNOWN: 'The refresh token is invalid.',
};
