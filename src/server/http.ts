import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import { createContext, type GatehouseContext, normalizeHeaders } from '../context/context';
import type { Gatehouse } from '../runtime';

export const GRAPHQL_PATH = '/graphql';
/** Largest request body accepted, bytes. */
export const MAX_BODY_BYTES = 100 * 1024;

class PayloadTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new PayloadTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
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

/**
 * The HTTP front of a Gatehouse server on plain `node:http`: `/graphql` through Apollo's
 * `executeHTTPGraphQLRequest`, `/healthz` and `/readyz`. No framework in the hot path.
 */
export function createRequestHandler(gh: Gatehouse, apollo: ApolloServer<GatehouseContext>, ready: () => Promise<boolean>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') {
        const ok = await ready().catch(() => false);
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable' });
      }
      if (url.pathname !== GRAPHQL_PATH) return sendJson(res, 404, { error: 'Not found. GraphQL is served at /graphql.' });

      let body: unknown;
      if (req.method === 'POST') {
        const text = await readBody(req, MAX_BODY_BYTES);
        const type = req.headers['content-type'] ?? '';
        if (type.includes('application/json') && text.length > 0) {
          try {
            body = JSON.parse(text);
          } catch {
            return sendJson(res, 400, requestError('The request body is not valid JSON.', 'BAD_USER_INPUT'));
          }
        } else {
          body = text;
        }
      }
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
        context: async () => createContext(gh, normalizeHeaders(req.headers)),
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
      sendJson(res, 500, requestError('Internal server error.', 'INTERNAL_SERVER_ERROR'));
    }
  };
}
