/** The claims of a Gatehouse access token (the contract's "Token kinds", 1). */
export interface AccessClaims {
  /** User id. */
  sub: string;
  username: string;
  iat: number;
  exp: number;
  /** Time of the password login this token descends from; never changed by a refresh. */
  orig_iat: number;
  jti: string;
  token_type: 'access';
  /** Device (session) id, when the token came from a device session. */
  sid?: string;
  /** The app name, when the token came from an app token (`delegateToken`). */
  app?: string;
  /** The `apiType` given to `delegateToken`, when one was. */
  api_type?: string;
  aud?: string;
  iss?: string;
  nbf?: number;
}

/** What a caller decides when asking for a token; the signer adds the rest. */
export interface AccessSubject {
  userId: string;
  username: string;
  origIat: number;
  sid?: string;
  app?: string;
  apiType?: string;
  /** Extra claims from a hook; they never override the standard ones. */
  extra?: Record<string, unknown>;
}
