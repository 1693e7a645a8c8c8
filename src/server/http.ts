import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import { createContext, type GatehouseContext, type Headers, type RequestScope } from '../context/context';
import { logWhenDone } from '../logging/request-log';
import { type Logger, requestLines } from '../logging/logger';
import { requestIdFrom } from '../logging/request-id';
import type { Gatehouse } from '../runtime';
import { clientAddress } from './client-address';
import { isJsonMediaType } from './media-type';
import { publicJwks } from '../tokens/jwks';
import { landingPageHtml } from './landing-page';

export const GRAPHQL_PATH = '/graphql';
export const JWKS_PATH = '/.well-known/jwks.json';
/** Largest request body accepted, bytes. */
export const MAX_BODY_BYTES = 100 * 1024;

/** What a browser gets at /graphql in production, where there is no Apollo Sandbox. */
export const NO_LANDING_PAGE = 'This is a GraphQL endpoint: send queries with POST (application/json).';

class PayloadTooLarge extends Error {}
/** The connection closed before the body ended: the client went away, or Node cut a stalled upload. */
class ClientGone extends Error {}

/** The production landing page, made on first use. */
let productionPage: string | undefined;

/** Past this many bytes an oversized body is no longer drained: the connection is cut. */
const DRAIN_LIMIT_BYTES = 16 * MAX_BODY_BYTES;

/**
 * Reads a request body of at most `limit` bytes. A larger body is read to its end and
 * thrown away (up to `DRAIN_LIMIT_BYTES`), so the client gets its 413 answer rather than
 * a reset connection. No timer of its own: Node's `requestTimeout` (`HTTP_REQUEST_TIMEOUT`,
 * checked every second, see `httpServerOptions`) answers a body that has not all arrived by
 * then with 408 and closes the connection, and the read ends with `ClientGone`, as it does
 * when the client goes away.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT_BYTES) {
        reject(new PayloadTooLarge());
        req.destroy();
      } else if (size <= limit) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => (size > limit ? reject(new PayloadTooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    // Node emits 'error' (ECONNRESET, aborted) on a request whose connection closed early only when someone listens.
    req.on('error', () => {
      chunks.length = 0;
      reject(new ClientGone());
    });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A GraphQL error document for failures that happen before Apollo sees the request. */
export function requestError(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

/** The paths served, compared with the request's path exactly as sent (see `requestTarget`). */
const ROUTES = new Set([GRAPHQL_PATH, JWKS_PATH, '/healthz', '/readyz']);

/**
 * The path and query of a request target, split at the first `?` with nothing decoded or
 * normalised: Gatehouse serves a path only when it is byte for byte one of `ROUTES` (no
 * percent-decoding, no dot segments, no trailing or doubled slash, case as written), so
 * `/x/%2e%2e/graphql`, `/graphql/`, `//graphql` and `/%67raphql` are all 404. None of the
 * served paths has a character that needs encoding, so no client has a reason to encode
 * one, and a proxy's path rules and Gatehouse's can never disagree about what was asked for.
 * A target that is not a path (`http://host/graphql`, `*`) is null.
 *
 * @example requestTarget('/graphql?query=%7Bme%7D') // { path: '/graphql', search: '?query=%7Bme%7D' }
 */
export function requestTarget(raw: string | undefined): { path: string; search: string } | null {
  if (!raw?.startsWith('/')) return null;
  const question = raw.indexOf('?');
  return question === -1 ? { path: raw, search: '' } : { path: raw.slice(0, question), search: raw.slice(question) };
}

/**
 * What `/readyz` reports. Ready means "can serve": the database answers. The invalidation
 * bus (Redis or PostgreSQL LISTEN/NOTIFY) is reported but does not decide: while it is down
 * an instance checks every session in the database and serves correctly, so taking every
 * instance out of a load balancer for a Redis outage would turn a slower service into none.
 */
export interface Readiness {
  database: 'up' | 'down';
  bus: { name: string; state: 'up' | 'down' };
}

/** Told of each response when the handler takes it and when it closes (finished or not): the server's drain on stop. */
export interface ResponseTracker {
  opened(res: ServerResponse): void;
  closed(res: ServerResponse): void;
}

/**
 * The HTTP front of a Gatehouse server on plain `node:http`: `/graphql` through Apollo's
 * `executeHTTPGraphQLRequest`, `/healthz`, `/readyz` (see `Readiness`) and `/.well-known/jwks.json`
 * (asymmetric algorithms; 404 for HMAC, whose secret is never published). Bodies over
 * `MAX_BODY_BYTES` get 413. No framework in the hot path.
 */
export function createRequestHandler(
  gh: Gatehouse,
  apollo: ApolloServer<GatehouseContext>,
  readiness: () => Promise<Readiness>,
  requestLog: Logger = gh.log,
  responses?: ResponseTracker,
) {
  const jwks = publicJwks(gh.keys);
  const { trustProxy } = gh.settings.server;
  const lines = requestLines(requestLog);
  let proxyWarned = false;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = requestIdFrom(req.headers['x-request-id'] as string | undefined);
    res.setHeader('x-request-id', requestId);
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy);
    if (!trustProxy && !proxyWarned && req.headers['x-forwarded-for'] !== undefined) {
      // Behind a proxy without TRUST_PROXY every client has the proxy's address: a few hundred
      // failed logins lock everyone out. Said once per process, at the first such request.
      proxyWarned = true;
      gh.log.warn(
        { ip: address },
        'a request carries X-Forwarded-For but TRUST_PROXY is off: if Gatehouse runs behind a reverse proxy, every client counts as its address for login limits (set TRUST_PROXY=true); if not, clients are sending the header themselves and it is ignored',
      );
    }
    let scope: RequestScope | undefined;
    logWhenDone(lines, req, res, {
      requestId,
      ip: address,
      operation: () => scope?.operation,
      // The duration histogram, by operation kind (never its name): `other` for health, JWKS and refused requests.
      done: (seconds) => {
        gh.metrics.observeRequest(scope?.operationKind, seconds);
        responses?.closed(res);
      },
    });
    responses?.opened(res);
    try {
      const target = requestTarget(req.url);
      if (!target || !ROUTES.has(target.path)) return sendJson(res, 404, { error: 'Not found. GraphQL is served at /graphql.' });
      if (target.path === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (target.path === JWKS_PATH) {
        if (!jwks) return sendJson(res, 404, { error: `No public keys: ${gh.keys.algorithm} tokens are signed with a shared secret (JWT_SECRET).` });
        return sendJson(res, 200, jwks, { 'cache-control': 'public, max-age=300' });
      }
      if (target.path === '/readyz') {
        const report = await readiness().catch((): Readiness => ({ database: 'down', bus: { name: gh.bus.name, state: 'down' } }));
        const ok = report.database === 'up';
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', ...report });
      }
      if (req.method === 'GET' && !new URLSearchParams(target.search).has('query') && gh.settings.server.nodeEnv === 'production') {
        // No Sandbox in production: a browser gets the page that says what this is (no script);
        // any other client the same in one JSON error, instead of a CSRF refusal.
        if (req.headers.accept?.includes('text/html')) {
          const html = (productionPage ??= landingPageHtml({ sandbox: null }));
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
          return void res.end(html);
        }
        return sendJson(res, 400, requestError(NO_LANDING_PAGE, 'BAD_USER_INPUT'));
      }
      let body: unknown;
      if (req.method === 'POST') {
        const text = await readBody(req, MAX_BODY_BYTES);
        // The media type is read as Apollo's CSRF check reads it (see media-type.ts).
        if (isJsonMediaType(req.headers['content-type']) && text.length > 0) {
          try {
            body = JSON.parse(text);
          } catch {
            return sendJson(res, 400, requestError('The request body is not valid JSON.', 'BAD_USER_INPUT'));
          }
        } else {
          body = text;
        }
      }
      // One pass over the headers (Node gives their names in lower case): Apollo's map and the scope's record.
      const headers = new HeaderMap();
      const plain: Headers = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        const text = Array.isArray(value) ? value.join(', ') : value;
        headers.set(name, text);
        plain[name] = text;
      }
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: target.search, body },
        context: async () => {
          const context = createContext(gh, plain, address, requestId);
          scope = context.gatehouse;
          scope.timedByServer = true;
          return context;
        },
      });
      res.statusCode = result.status ?? 200;
      // Answers carry tokens and who-is-who: never to be cached (the landing page may be).
      if (result.headers.get('content-type')?.includes('json')) res.setHeader('cache-control', 'no-store');
      for (const [name, value] of result.headers) res.setHeader(name, value);
      if (result.body.kind === 'complete') {
        res.end(result.body.string);
      } else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (error instanceof PayloadTooLarge) {
        return sendJson(res, 413, requestError('The request body is too large.', 'BAD_USER_INPUT'), { connection: 'close' });
      }
      // Nobody to answer: Node answered a stalled upload 408 itself, or the client left.
      if (error instanceof ClientGone) return;
      gh.log.error({ err: error, reqId: requestId }, 'unexpected error');
      sendJson(res, 500, requestError('Internal server error.', 'INTERNAL_SERVER_ERROR'));
    }
  };
}
