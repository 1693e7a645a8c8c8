import { GraphQLRequestError, type GraphQLErrorItem } from './errors';
import type { ClientSession, GatehouseClientOptions, LoginResult, SignOutEvent, SignOutReason } from './types';
import { liveClient, type SubscriptionSink, webSocketUrl } from './subscriptions';
import type { Client as LiveClient } from 'graphql-ws/client';

const SESSION_FIELDS = (cookie: boolean) => `token ${cookie ? '' : 'refreshToken '}refreshExpiresIn`;

const LOGIN = (cookie: boolean) => `mutation GatehouseLogin($username: String!, $password: String!, $deviceName: String) {
  tokenAuth(username: $username, password: $password, deviceName: $deviceName) {
    ${SESSION_FIELDS(cookie)}
    payload { sub username exp iat origIat sid }
    device { id name }
    user { id username email roles }
  }
}`;

const REFRESH = (cookie: boolean) =>
  cookie
    ? `mutation GatehouseRefresh { refreshToken { ${SESSION_FIELDS(true)} } }`
    : `mutation GatehouseRefresh($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { ${SESSION_FIELDS(false)} } }`;

const LOGOUT = 'mutation GatehouseLogout { logout }';

const REFRESH_REASONS: ReadonlySet<string> = new Set(['REUSED', 'REVOKED', 'EXPIRED', 'UNKNOWN']);

interface Answer<T> {
  status: number;
  data: T | null | undefined;
  errors: GraphQLErrorItem[] | undefined;
}

/**
 * A small GraphQL client for a Gatehouse server, with no dependency beyond `fetch`.
 * It logs in, keeps the tokens, sends the bearer header, refreshes once when any number
 * of concurrent requests meet `TOKEN_EXPIRED` and replays them all, and signs out cleanly
 * (tokens dropped, `onSignOut` called once) when the server reports the session reused,
 * revoked or expired.
 *
 * @example
 * const client = new GatehouseClient({ url: 'http://localhost:4000/graphql', onSignOut: ({ reason }) => showLogin(reason) });
 * await client.login('ada', 'correct horse');
 * const { me } = await client.request<{ me: { username: string } }>('{ me { username } }');
 */
export class GatehouseClient {
  private current: ClientSession | null;
  private refreshing: Promise<void> | null = null;
  /** The last refusal of a refresh, and the access token of the session it ended: what its late waiters get. */
  private refusal: { token: string; error: GraphQLRequestError } | null = null;
  private readonly listeners = new Set<(event: SignOutEvent) => void>();
  private readonly doFetch: typeof fetch;
  private readonly cookie: boolean;
  private live: LiveClient | null = null;

  constructor(private readonly options: GatehouseClientOptions) {
    this.current = options.session ?? null;
    this.cookie = options.cookie ?? false;
    this.doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    if (options.onSignOut) this.listeners.add(options.onSignOut);
  }

  /** The tokens held now, or null when signed out. */
  get session(): ClientSession | null {
    return this.current;
  }

  /** Starts from a saved session (or none). Does not call `onSessionChange`. */
  restore(session: ClientSession | null): void {
    if (session) this.refusal = null;
    this.current = session;
  }

  /** Listens for sign-outs; returns a function that stops listening. */
  onSignOut(listener: (event: SignOutEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Password login (`tokenAuth`). Throws `GraphQLRequestError` (`INVALID_CREDENTIALS`, `RATE_LIMITED`, …). */
  async login(username: string, password: string, deviceName?: string): Promise<LoginResult> {
    const answer = await this.send<{ tokenAuth: ClientSession & LoginResult }>(LOGIN(this.cookie), { username, password, deviceName }, null);
    const result = this.dataOrThrow(answer).tokenAuth;
    this.setSession({ token: result.token, refreshToken: result.refreshToken ?? null, refreshExpiresIn: result.refreshExpiresIn });
    return { user: result.user, payload: result.payload, device: result.device };
  }

  /**
   * Sends a query or mutation with the bearer header. When the access token has expired
   * it refreshes (once for all concurrent callers) and sends the request again.
   * The whole operation is sent again, so keep mutations that must not run twice apart
   * from fields that need a token.
   */
  async request<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const sentWith = this.current?.token ?? null;
    let answer = await this.send<T>(query, variables, sentWith);
    if (sentWith !== null && hasError(answer.errors, 'UNAUTHENTICATED', 'TOKEN_EXPIRED')) {
      await this.refreshAfter(sentWith);
      answer = await this.send<T>(query, variables, this.current?.token ?? null);
    }
    if (hasError(answer.errors, 'UNAUTHENTICATED', 'SESSION_REVOKED') && this.current) this.signOut('SESSION_REVOKED');
    return this.dataOrThrow(answer);
  }

  /**
   * Rotates the refresh token now. Concurrent calls share one request. On
   * `INVALID_REFRESH_TOKEN` the client signs out and the error is thrown.
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Ends the session on the server (`logout`, when the server has it) and here. */
  async logout(): Promise<void> {
    if (!this.current) return;
    try {
      await this.send(LOGOUT, {}, this.current.token);
    } catch {
      // Signed out here all the same; the server session expires on its own.
    }
    this.signOut('LOGOUT');
  }

  /** Drops the tokens, ends the subscriptions, and tells the listeners, once per session. */
  signOut(reason: SignOutReason): void {
    if (!this.current) return;
    this.setSession(null);
    const live = this.live;
    this.live = null;
    // On the next turn: graphql-ws first ends the subscriptions with the close that signed
    // out as their error (a disposed client would end them as "complete" instead).
    if (live) setTimeout(() => void live.dispose(), 0);
    for (const listener of this.listeners) listener({ reason });
  }

  /**
   * Runs a subscription over WebSocket (graphql-ws, on the same URL), signed in with the
   * current access token: refreshed first when it has expired, and again (then reconnected)
   * when the server closes the socket with 4403 `TOKEN_EXPIRED`. A 4403 `SESSION_REVOKED`
   * signs the client out (`onSignOut` with `SESSION_REVOKED`) and ends the subscription
   * with that close as its error. Signed out, it runs anonymously. Returns the function
   * that stops it.
   *
   * @example
   * const stop = client.subscribe<{ sessionEvents: { type: string } }>('subscription { sessionEvents { type } }', {}, {
   *   next: ({ sessionEvents }) => { if (sessionEvents.type === 'SIGNED_IN') showBanner(); },
   * });
   */
  subscribe<T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, sink: SubscriptionSink<T>): () => void {
    this.live ??= liveClient(this.options.subscriptionsUrl ?? webSocketUrl(this.options.url), this.options.webSocket, {
      freshToken: (expired) => this.freshToken(expired),
      revoked: () => this.signOut('SESSION_REVOKED'),
    });
    return this.live.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) sink.error?.(result.errors);
          else if (result.data) sink.next(result.data);
        },
        error: (error) => sink.error?.(error),
        complete: () => sink.complete?.(),
      },
    );
  }

  /** The access token to open a socket with: refreshed first when it expires within 5 s or is the one the server called expired. */
  private async freshToken(serverSaidExpired: string | null): Promise<string | null> {
    const token = this.current?.token ?? null;
    if (token === null) return null;
    const exp = expiryOf(token);
    if (token === serverSaidExpired || serverSaidExpired === '' || (exp !== null && exp * 1000 - Date.now() < 5000)) {
      await this.refreshAfter(token);
    }
    return this.current?.token ?? null;
  }

  /** A refresh triggered by a request sent with `staleToken`: none if another caller has refreshed already. */
  private async refreshAfter(staleToken: string): Promise<void> {
    // The session this request was sent with was refused a refresh already (its answer came
    // in after the refusal): the same refusal, not a second refresh of a signed-out client.
    if (!this.current && this.refusal?.token === staleToken) throw this.refusal.error;
    if (this.current && this.current.token !== staleToken) return;
    await this.refresh();
  }

  private async doRefresh(): Promise<void> {
    const session = this.current;
    if (!session) throw new GraphQLRequestError([{ message: 'Signed out.', extensions: { code: 'UNAUTHENTICATED', reason: 'MISSING_TOKEN' } }], 0);
    if (!this.cookie && !session.refreshToken) throw new GraphQLRequestError([{ message: 'No refresh token.', extensions: { code: 'INVALID_REFRESH_TOKEN', reason: 'UNKNOWN' } }], 0);
    const answer = await this.send<{ refreshToken: ClientSession }>(REFRESH(this.cookie), this.cookie ? {} : { refreshToken: session.refreshToken }, null);
    const refused = answer.errors?.find((error) => error.extensions?.code === 'INVALID_REFRESH_TOKEN');
    if (refused) {
      const reason = refused.extensions?.reason;
      const error = new GraphQLRequestError(answer.errors!, answer.status);
      this.refusal = { token: session.token, error };
      if (this.current === session) this.signOut(reason && REFRESH_REASONS.has(reason) ? (reason as SignOutReason) : 'UNKNOWN');
      throw error;
    }
    const next = this.dataOrThrow(answer).refreshToken;
    if (this.current === session) {
      this.setSession({ token: next.token, refreshToken: next.refreshToken ?? null, refreshExpiresIn: next.refreshExpiresIn });
    }
  }

  private setSession(session: ClientSession | null): void {
    if (session) this.refusal = null;
    this.current = session;
    this.options.onSessionChange?.(session);
  }

  private dataOrThrow<T>(answer: Answer<T>): T {
    if (answer.errors?.length || answer.data == null) {
      throw new GraphQLRequestError(answer.errors ?? [{ message: `HTTP ${answer.status} without data` }], answer.status, answer.data);
    }
    return answer.data;
  }

  private async send<T>(query: string, variables: Record<string, unknown>, token: string | null): Promise<Answer<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...this.options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await this.doFetch(this.options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: this.cookie ? 'include' : 'same-origin',
    });
    const text = await response.text();
    let body: { data?: T | null; errors?: GraphQLErrorItem[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new GraphQLRequestError([{ message: `HTTP ${response.status}: not a GraphQL answer` }], response.status);
    }
    return { status: response.status, data: body.data, errors: body.errors };
  }
}

/** A JWT's `exp` (seconds), read without checking it (the server does); null when unreadable. Browser-safe (`atob`). */
function expiryOf(token: string): number | null {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '='))) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp : null;
  } catch {
    return null;
  }
}

function hasError(errors: GraphQLErrorItem[] | undefined, code: string, reason: string): boolean {
  return errors?.some((error) => error.extensions?.code === code && error.extensions?.reason === reason) ?? false;
}
