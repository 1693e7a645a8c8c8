/** What the client keeps between requests. Store it yourself (see `onSessionChange`) to survive a reload. */
export interface ClientSession {
  /** The access token, sent as `Authorization: Bearer <token>`. */
  token: string;
  /** The device refresh token; null in cookie mode, where the browser keeps it in an HttpOnly cookie. */
  refreshToken: string | null;
  /** Unix time (seconds) when the refresh token expires. */
  refreshExpiresIn: number | null;
}

/** Why the client signed out: a `logout()` call, or the server ending the session. */
export type SignOutReason = 'LOGOUT' | 'REUSED' | 'REVOKED' | 'EXPIRED' | 'UNKNOWN' | 'SESSION_REVOKED';

export interface SignOutEvent {
  reason: SignOutReason;
}

export interface GatehouseClientOptions {
  /** The GraphQL endpoint, e.g. `https://api.example.com/graphql`. */
  url: string;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * Browser cookie mode (server with `JWT_COOKIE=true`): the refresh token lives in an
   * HttpOnly cookie the client never sees; requests are sent with `credentials: 'include'`.
   */
  cookie?: boolean;
  /** Headers for every request (e.g. `x-device-model`). */
  headers?: Record<string, string>;
  /** A session saved earlier, to start signed in. */
  session?: ClientSession | null;
  /** Called with the new session after a login or refresh, and with null on sign-out. */
  onSessionChange?: (session: ClientSession | null) => void;
  /** Called once when the session ends (logout, reuse detected, revoked, expired). */
  onSignOut?: (event: SignOutEvent) => void;
  /** Where `subscribe()` connects (default: `url` with `ws://` or `wss://`; Gatehouse serves both on one path). */
  subscriptionsUrl?: string;
  /**
   * The WebSocket class `subscribe()` uses (default: the global `WebSocket` of browsers and
   * Node 22+). On Node 20: `import WebSocket from 'ws'` and pass it.
   */
  webSocket?: unknown;
}

export interface LoginResult {
  user: { id: string; username: string; email: string | null; roles: string[] };
  payload: { sub: string; username: string; exp: number; iat: number; origIat: number; sid: string | null };
  device: { id: string; name: string } | null;
}
