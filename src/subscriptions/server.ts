import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type ExecutionResult, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { readBearer } from '../context/bearer';
import { RequestScope, type GatehouseContext, type Headers } from '../context/context';
import { seedPrincipal } from '../context/principal';
import { BadUserInput, ErrorCode, Unauthenticated, type TokenProblem } from '../errors';
import { toGraphQLError } from '../graphql/errors';
import { requestIdFrom } from '../logging/request-id';
import type { Gatehouse } from '../runtime';
import { documentLimits } from '../server/apollo';
import { clientAddress } from '../server/client-address';
import { formatError } from '../server/format-error';
import { operationProblem } from '../server/reject-nul';
import { authenticate, authenticateFromCache, type Principal } from '../sessions/authenticate';
import { verifyAccessTokenCached } from '../tokens/access/verify-cached';
import { seconds } from '../util/clock';
import { CLOSE, CLOSE_REASON } from './close-codes';
import type { LiveSocket } from './live';
import { bindSocket } from './socket-scope';

export interface SubscriptionServerOptions {
  gatehouse: Gatehouse;
  /** The executable schema (with `@auth` enforced by `authDirectiveTransformer`). */
  schema: GraphQLSchema;
  /** The `node:http` server that serves `/graphql` over HTTP: WebSockets are upgraded from it. */
  server: Server;
  /** Where WebSockets are accepted (default `/graphql`, the HTTP endpoint's path). */
  path?: string;
  /** Your own context for each operation, merged with `gatehouse` (the operation's scope). */
  context?: (scope: RequestScope) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Validation rules besides graphql-js's own (default: Gatehouse's document limits, as on HTTP). */
  validationRules?: readonly ValidationRule[];
  /** Where unexpected errors go (default: the Gatehouse logger). */
  log?: (error: unknown) => void;
}

export interface SubscriptionServer {
  /** An Apollo Server plugin: when Apollo drains (`apollo.stop()`), every socket closes with 1001. */
  readonly plugin: ApolloServerPlugin<GatehouseContext>;
  /** Sockets open now (signed in or not). */
  readonly size: number;
  /** Stops accepting sockets and closes the open ones with 1001 `Going away` (what the plugin calls). */
  dispose(): Promise<void>;
}

/** What Gatehouse remembers of one connection. */
interface Connection {
  socket: WebSocket;
  address: string | null;
  requestId: string;
  userAgent: string | undefined;
  /** Set once `connection_init` authenticated a token. */
  principal?: Principal;
  authorization?: string;
  live?: LiveSocket;
  /** This socket's running subscriptions, each with the function that takes it off `gatehouse_subscriptions_active`. */
  running?: Map<string, () => void>;
}

/** The `connection_init` payload's `authorization` entry (any case, as clients such as Apollo Sandbox send headers); undefined when absent. */
export function authorizationOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  for (const [key, value] of Object.entries(params)) {
    if (key.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * GraphQL over WebSocket (graphql-ws, subprotocol `graphql-transport-ws`) on the HTTP
 * server's own path, as the contract's "Subscriptions" says:
 *
 * - `connection_init` carries `{ authorization: "Bearer <access token>" }`; it is checked
 *   once per connection by the same verification and session check as HTTP
 *   (`verifyAccessTokenCached`, `authenticate`). No token: an anonymous connection, whose
 *   `@auth` subscriptions get `UNAUTHENTICATED`. A refused token: close 4403 with the
 *   reason (`INVALID_TOKEN`, `TOKEN_EXPIRED`, `SESSION_REVOKED`).
 * - Each operation gets its own `context.gatehouse` scope whose caller is the
 *   connection's; only subscriptions are served (queries and mutations go over HTTP, where
 *   CSRF prevention, cookies and response headers apply); documents meet the same limits
 *   as on HTTP (tokens, depth, aliases, cost, NUL); errors are formatted as on HTTP.
 * - The socket registry (`gh.live`) closes sockets whose session ends or token expires.
 * - Limits (settings `SUBSCRIPTIONS_*`): `connection_init` timeout (4408), operations per
 *   socket (4431), signed-in sockets per user (4430), sockets per process (1013), message
 *   size (1009). See `CLOSE`.
 *
 * @example
 * const subscriptions = gatehouseSubscriptions({ gatehouse: gh, schema, server: httpServer });
 * const apollo = new ApolloServer({ schema, plugins: [subscriptions.plugin] });
 */
export function gatehouseSubscriptions(options: SubscriptionServerOptions): SubscriptionServer {
  const { gatehouse: gh, schema, server } = options;
  const path = options.path ?? '/graphql';
  const limits = gh.settings.subscriptions;
  const log = options.log ?? ((error: unknown) => gh.log.error({ err: error }, 'subscriptions: unexpected error'));
  const format = formatError(log, { passGraphQLErrors: true });
  const rules = [...specifiedRules, ...(options.validationRules ?? documentLimits(gh.settings).validationRules)];
  const connections = new WeakMap<Context, Connection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false, clientTracking: true });
  let closing = false;

  const refuse = (connection: Connection, reason: TokenProblem): false => {
    connection.socket.close(CLOSE.forbidden, reason);
    return false;
  };

  useServer<Record<string, unknown> | undefined>(
    {
      schema,
      connectionInitWaitTimeout: limits.initTimeout * 1000,
      onConnect: async (ctx) => {
        const connection = connectionOf(ctx);
        const header = authorizationOf(ctx.connectionParams);
        const bearer = readBearer(header, gh.settings.tokens.authHeaderPrefix);
        if (bearer.kind === 'missing') return true;
        if (bearer.kind === 'garbled') return refuse(connection, 'INVALID_TOKEN');
        const verified = verifyAccessTokenCached(bearer.token, gh.settings, gh.keys, gh.verifiedTokens, seconds(gh.clock.now()));
        if (!verified.ok) return refuse(connection, verified.problem);
        if (gh.live.socketsOf(verified.claims.sub) >= limits.maxSocketsPerUser) {
          connection.socket.close(CLOSE.tooManySockets, CLOSE_REASON.tooManySockets);
          return false;
        }
        // Registered before the session check, so a logout racing this connection still closes it.
        const live = gh.live.register(verified.claims, (code, reason) => connection.socket.close(code, reason));
        connection.live = live;
        try {
          connection.principal = authenticateFromCache(gh, verified.claims) ?? (await authenticate(gh, () => gh.orm.em.fork(), verified.claims));
        } catch (error) {
          live.unregister();
          if (error instanceof Unauthenticated) return refuse(connection, error.reason);
          throw error;
        }
        if (live.ending) return refuse(connection, 'SESSION_REVOKED');
        connection.authorization = header;
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const connection = connectionOf(ctx);
        if (Object.keys(ctx.subscriptions).length > limits.maxPerSocket) {
          connection.socket.close(CLOSE.tooManySubscriptions, CLOSE_REASON.tooManySubscriptions);
          return [new GraphQLError('Too many operations on this socket.')];
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: gh.settings.limits.graphqlMaxTokens });
        } catch (error) {
          return [requestError(error, 'GRAPHQL_PARSE_FAILED')];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) return invalid.map((error) => requestError(error, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [toGraphQLError(new BadUserInput('The document names no operation to run (operationName).'))];
        if (operation.operation !== 'subscription') {
          return [toGraphQLError(new BadUserInput('Only subscriptions are served over WebSocket; send queries and mutations with HTTP POST.'))];
        }
        const refused = operationProblem(document, payload.variables);
        if (refused) return [toGraphQLError(new BadUserInput(refused))];
        const headers: Headers = { 'user-agent': connection.userAgent };
        if (connection.authorization) headers.authorization = connection.authorization;
        const scope = new RequestScope(gh, headers, connection.address, connection.requestId);
        if (connection.principal && connection.live) {
          seedPrincipal(scope, connection.principal);
          bindSocket(scope, connection.live);
        }
        const own = (await options.context?.(scope)) ?? {};
        (connection.running ??= new Map()).set(id, gh.metrics.subscriptionOpened());
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: { ...own, gatehouse: scope } };
      },
      onNext: (_ctx, _id, _payload, _args, result: ExecutionResult) => {
        if (!result.errors) return undefined;
        return { ...result, errors: result.errors.map((error) => format(error.toJSON(), error)) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => format(error.toJSON(), error)),
      // graphql-ws completes every operation, also after an abrupt close: the gauge follows.
      onComplete: (ctx, id) => {
        const running = connections.get(ctx)?.running;
        running?.get(id)?.();
        running?.delete(id);
      },
      onClose: (ctx) => {
        const connection = connections.get(ctx);
        for (const closed of connection?.running?.values() ?? []) closed();
        connection?.live?.unregister();
      },
    },
    wss,
  );

  function connectionOf(ctx: Context): Connection {
    let connection = connections.get(ctx);
    if (!connection) {
      const { socket, request } = ctx.extra as { socket: WebSocket; request: IncomingMessage };
      connection = {
        socket,
        address: clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for'], gh.settings.server.trustProxy),
        requestId: requestIdFrom(request.headers['x-request-id'] as string | undefined),
        userAgent: request.headers['user-agent'],
      };
      connections.set(ctx, connection);
    }
    return connection;
  }

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname !== path) {
      // Another upgrade handler may serve that path; alone, answer it.
      if (server.listenerCount('upgrade') === 1) reject(socket, 404, 'Not Found');
      return;
    }
    if (closing) return reject(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(request, socket, head, (ws) => {
      quietProtocolErrors(ws);
      if (wss.clients.size > limits.maxSockets) return ws.close(CLOSE.tryAgainLater, CLOSE_REASON.serverBusy);
      wss.emit('connection', ws, request);
    });
  };
  server.on('upgrade', onUpgrade);

  let disposed: Promise<void> | undefined;
  const dispose = () =>
    (disposed ??= (async () => {
      closing = true;
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(CLOSE.goingAway, CLOSE_REASON.goingAway);
      // A client that does not answer the close is cut off after SHUTDOWN_TIMEOUT.
      const force = setTimeout(() => wss.clients.forEach((ws) => ws.terminate()), gh.settings.server.shutdownTimeout * 1000);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      clearTimeout(force);
    })());

  return {
    plugin: {
      async serverWillStart() {
        return {
          async drainServer() {
            await dispose();
          },
        };
      },
    },
    get size() {
      return wss.clients.size;
    },
    dispose,
  };
}

/** A parse or validation error as a request error: BAD_USER_INPUT with Apollo's code as the reason, as on HTTP. */
function requestError(error: unknown, reason: 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED'): GraphQLError {
  const graphQLError = error instanceof GraphQLError ? error : new GraphQLError(String(error));
  return new GraphQLError(graphQLError.message, {
    nodes: graphQLError.nodes,
    source: graphQLError.source,
    positions: graphQLError.positions,
    extensions: { code: ErrorCode.BAD_USER_INPUT, reason },
  });
}

/**
 * A client that breaks the WebSocket protocol (a message over `maxPayload`, a bad frame)
 * has already been closed by `ws` with the code that says so (1009, 1002, …) when `ws`
 * reports it as an `error`; that is the client's doing, not the server's, so it is not
 * passed on to graphql-ws (which would log it to the console as an internal error).
 */
function quietProtocolErrors(ws: WebSocket): void {
  const emit = ws.emit.bind(ws);
  ws.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'error' && /^WS_ERR_/.test(String((args[0] as { code?: unknown } | undefined)?.code))) return false;
    return emit(event, ...args);
  }) as typeof ws.emit;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
