/**
 * Every close code a Gatehouse WebSocket may end with, and why (docs/api.md, "Subscriptions",
 * has the same table for clients). 4403 and its reasons are fixed by the contract; the
 * graphql-ws protocol's own codes (4400, 4401, 4406, 4408, 4409, 4429, 4500) keep their
 * meaning; the limits have codes of their own.
 */
export const CLOSE = {
  /** Server shutting down (SIGTERM): reconnect to another instance. */
  goingAway: 1001,
  /** A message larger than `SUBSCRIPTIONS_MAX_MESSAGE_BYTES` (sent by `ws`). */
  messageTooBig: 1009,
  /** `SERVER_BUSY`: the process holds `SUBSCRIPTIONS_MAX_SOCKETS` sockets; try again later. */
  tryAgainLater: 1013,
  /** The contract's refusal: reason `INVALID_TOKEN`, `TOKEN_EXPIRED` or `SESSION_REVOKED`. */
  forbidden: 4403,
  /** graphql-ws: no `connection_init` within `SUBSCRIPTIONS_INIT_TIMEOUT`. */
  initTimeout: 4408,
  /** `TOO_MANY_SOCKETS`: the user holds `SUBSCRIPTIONS_MAX_SOCKETS_PER_USER` sockets on this process. */
  tooManySockets: 4430,
  /** `TOO_MANY_SUBSCRIPTIONS`: more than `SUBSCRIPTIONS_MAX_PER_SOCKET` operations at once on one socket. */
  tooManySubscriptions: 4431,
} as const;

/** The close reasons Gatehouse itself sends (besides graphql-ws's own). */
export const CLOSE_REASON = {
  serverBusy: 'SERVER_BUSY',
  tooManySockets: 'TOO_MANY_SOCKETS',
  tooManySubscriptions: 'TOO_MANY_SUBSCRIPTIONS',
  goingAway: 'Going away',
} as const;
