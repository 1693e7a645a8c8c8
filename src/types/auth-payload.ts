/**
 * What `tokenAuth` and `refreshToken` answer (`AuthPayload` in the schema), as plain
 * data: the type of the `authPayload` hook. Defined apart from the GraphQL layer, so the
 * runtime and its hooks do not depend on type-graphql; the type-graphql classes in
 * src/graphql/types/ implement these interfaces.
 */

/** An access token's claims as the schema's `TokenPayload` shows them. */
export interface TokenPayload {
  sub: string;
  username: string;
  exp: number;
  iat: number;
  origIat: number;
  jti: string;
  tokenType: string;
  sid: string | null;
}

/** The signed-in user, as the schema's `User`. */
export interface AuthPayloadUser {
  id: string;
  username: string;
  email: string | null;
  /** The owner of `email` followed a verification link (or an administrator vouched for it). */
  emailVerified: boolean;
  roles: string[];
  isActive: boolean;
  lastLogin: Date | null;
  dateJoined: Date;
}

/** The device session, as the schema's `Device`. */
export interface AuthPayloadDevice {
  id: string;
  name: string;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  current: boolean;
}

/**
 * The answer of a login or refresh.
 *
 * @example
 * // A hook that leaves the refresh token out of the answer (the client keeps it elsewhere).
 * const hooks: GatehouseHooks = { authPayload: (payload: AuthPayload) => ({ ...payload, refreshToken: null }) };
 */
export interface AuthPayload {
  token: string;
  payload: TokenPayload;
  refreshToken: string | null;
  /** Unix time (seconds) when the returned refresh token expires. */
  refreshExpiresIn: number | null;
  device: AuthPayloadDevice | null;
  user: AuthPayloadUser;
}
