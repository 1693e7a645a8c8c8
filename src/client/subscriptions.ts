import { createClient, type Client } from 'graphql-ws/client';

/** What `subscribe()` calls: each result's `data`, the end, or the error (GraphQL errors, or the close event). */
export interface SubscriptionSink<T> {
  next(data: T): void;
  /** GraphQL errors of the operation (`GraphQLErrorItem[]`), or the socket's close event (`{ code, reason }`). */
  error?(error: unknown): void;
  complete?(): void;
}

/** What the subscription client needs from the `GatehouseClient`. */
export interface TokenSource {
  /** A token fit to send now (refreshed first when it has expired or the server said so), or null when signed out. */
  freshToken(serverSaidExpired: string | null): Promise<string | null>;
  /** The server ended the session (close 4403 `SESSION_REVOKED`): sign out. */
  revoked(): void;
}

/** The `ws://`/`wss://` URL of an `http://`/`https://` GraphQL endpoint (the same path: Gatehouse serves both there). */
export function webSocketUrl(url: string): string {
  return url.replace(/^http(s?):\/\//i, (_match, secure: string) => `ws${secure}://`);
}

const isClose = (value: unknown): value is { code: number; reason: string } =>
  typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;

/**
 * One graphql-ws client for a `GatehouseClient`'s subscriptions, connected while at least
 * one runs (`lazy`). Each connection sends a fresh access token in `connection_init`
 * (`connectionParams` is asked for on every connect); a close 4403 `TOKEN_EXPIRED` is
 * followed at once by a refresh and a reconnect; 4403 `SESSION_REVOKED` signs the client out
 * and ends the subscriptions (their `error` gets the close); other closes are retried by
 * graphql-ws with its back-off (1001 when a server restarts, for example).
 *
 * @example
 * const live = liveClient('wss://api.example.com/graphql', WebSocket, tokens);
 */
export function liveClient(url: string, webSocketImpl: unknown, tokens: TokenSource): Client {
  /** The token the server closed a socket for as expired, until it is refreshed. */
  let expiredToken: string | null = null;
  let sentToken: string | null = null;
  return createClient({
    url,
    webSocketImpl,
    lazy: true,
    retryAttempts: 5,
    connectionParams: async () => {
      sentToken = await tokens.freshToken(expiredToken);
      expiredToken = null;
      return sentToken ? { authorization: `Bearer ${sentToken}` } : {};
    },
    shouldRetry: (event) => isClose(event) && !(event.code === 4403 && event.reason !== 'TOKEN_EXPIRED'),
    retryWait: async (retries) => {
      if (expiredToken !== null) return; // a token that expired: reconnect now with a new one
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 30_000) + Math.floor(Math.random() * 1000)));
    },
    on: {
      closed: (event) => {
        if (!isClose(event) || event.code !== 4403) return;
        if (event.reason === 'TOKEN_EXPIRED') expiredToken = sentToken ?? '';
        else if (event.reason === 'SESSION_REVOKED') tokens.revoked();
      },
    },
  });
}
